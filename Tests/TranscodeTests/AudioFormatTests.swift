import Testing
import Transcode

/// The `AudioFormat(contentType:defaultRate:)` parser and SDP codec-name lookup.
@Suite struct AudioFormatTests {
    @Test func parsesMuLawWithRate() {
        #expect(AudioFormat(contentType: "audio/x-mulaw;rate=8000") == .mulaw8k)
    }

    @Test func parsesL16WithSpaceBeforeParameter() {
        let format = AudioFormat(contentType: "audio/x-l16; rate=16000")
        #expect(format == AudioFormat(encoding: .l16, sampleRate: 16000))
        #expect(format?.bytesPer20ms == 640)
    }

    @Test func namesAreCaseInsensitiveAndSpacesAroundEqualsAllowed() {
        #expect(
            AudioFormat(contentType: "Audio/X-L16 ; RATE = 24000")
                == AudioFormat(encoding: .l16, sampleRate: 24000))
    }

    @Test func missingRateWithoutDefaultIsRejected() {
        #expect(AudioFormat(contentType: "audio/x-l16") == nil)
        #expect(AudioFormat(contentType: "audio/x-mulaw") == nil)
    }

    @Test func missingRateUsesDefault() {
        #expect(
            AudioFormat(contentType: "audio/x-l16", defaultRate: 8000)
                == AudioFormat(encoding: .l16, sampleRate: 8000))
        #expect(AudioFormat(contentType: "audio/x-mulaw", defaultRate: 8000) == .mulaw8k)
    }

    @Test func explicitRateOverridesDefault() {
        #expect(
            AudioFormat(contentType: "audio/x-l16;rate=16000", defaultRate: 8000)
                == AudioFormat(encoding: .l16, sampleRate: 16000))
    }

    @Test func unsupportedRateIsRejected() {
        #expect(AudioFormat(contentType: "audio/x-mulaw;rate=16000") == nil)
        #expect(AudioFormat(contentType: "audio/x-l16;rate=44100") == nil)
        #expect(AudioFormat(contentType: "audio/x-mulaw", defaultRate: 16000) == nil)
    }

    @Test func malformedRateIsRejected() {
        #expect(AudioFormat(contentType: "audio/x-l16;rate=fast") == nil)
        #expect(AudioFormat(contentType: "audio/x-l16;rate") == nil)
    }

    @Test func unknownEncodingIsRejected() {
        #expect(AudioFormat(contentType: "audio/opus;rate=8000") == nil)
        #expect(AudioFormat(contentType: "audio/x-alaw;rate=8000") == nil)
        #expect(AudioFormat(contentType: "", defaultRate: 8000) == nil)
    }

    @Test func contentTypeRoundTrips() {
        for encoding in AudioFormat.Encoding.allCases {
            for rate in AudioFormat.supportedRates(for: encoding) {
                let format = AudioFormat(encoding: encoding, sampleRate: rate)
                #expect(AudioFormat(contentType: format.contentType) == format)
            }
        }
        #expect(AudioFormat.mulaw8k.contentType == "audio/x-mulaw;rate=8000")
    }

    @Test func codecLooksUpSDPEncodingNameCaseInsensitively() {
        #expect(AudioCodec(encodingName: "pcmu") == .pcmu)
        #expect(AudioCodec(encodingName: "PCMA") == .pcma)
        #expect(AudioCodec(encodingName: "g722") == .g722)
        #expect(AudioCodec(encodingName: "G729") == nil)
        #expect(AudioCodec(staticPayloadType: 9) == .g722)
        #expect(AudioCodec.pcmu.staticPayloadType == 0)
        #expect(AudioCodec(staticPayloadType: 8) == .pcma)
    }
}
