import Benchmark
import NIOCore
import RTPMedia
import Transcode
import WSEgress

// Per-frame hot paths of the bridge (README.md). Every benchmark runs 1000 operations per
// sample (`scalingFactor: .kilo`); the output shows them per operation (columns marked `*`),
// `--scale` shows the raw per-sample figures. The harness adds 16 mallocs to every sample.
// State lives across samples in a `StateBox`, so each sample continues the stream where the
// previous one stopped (steady state); warm-up samples absorb first-use growth.

let benchmarks: @Sendable () -> Void = {
    let configuration = Benchmark.Configuration(
        metrics: [.wallClock, .cpuTotal, .mallocCountTotal],
        timeUnits: .nanoseconds,
        warmupIterations: 10,
        scalingFactor: .kilo,
        maxDuration: .seconds(2),
        maxIterations: 10_000
    )

    sipBenchmarks(configuration)

    // MARK: 1. RTP in → media frame ready (Call+Inbound.swift)

    for (label, codec, format) in [
        ("PCMU passthrough", AudioCodec.pcmu, AudioFormat.mulaw8k),
        ("PCMA to L16 16k", AudioCodec.pcma, AudioFormat(encoding: .l16, sampleRate: 16000)),
    ] {
        let box = StateBox(InboundPath(codec: codec, format: format))
        Benchmark("01 RTP in to media frame ready (\(label))", configuration: configuration) { benchmark in
            box.withState { path in
                benchmark.startMeasurement()
                for _ in benchmark.scaledIterations {
                    receiveOnePacket(&path.receiver, &path.framer, &path.writer)
                }
                benchmark.stopMeasurement()
                blackHole(path.writer.textBytes)
                if path.receiver.stats.mediaSent != path.receiver.stats.packetsIn {
                    benchmark.error("frames out \(path.receiver.stats.mediaSent) != packets in \(path.receiver.stats.packetsIn)")
                }
            }
        }
    }

    // MARK: 2. G.711 on one 20 ms frame (160 samples)

    let muLawCodes = permanentBuffer(TestSignal.muLaw())
    let aLawCodes = permanentBuffer(TestSignal.aLaw())
    let pcm8k = permanentBuffer(TestSignal.pcm(rate: 8000))
    let pcm16k = permanentBuffer(TestSignal.pcm(rate: 16000))
    let pcm24k = permanentBuffer(TestSignal.pcm(rate: 24000))
    let samplesOut = permanentBuffer(count: 1024, of: Int16.self)
    let codesOut = permanentBuffer(count: 2048, of: UInt8.self)

    Benchmark("02a G.711 mu-law decode 160", configuration: configuration) { benchmark in
        for index in benchmark.scaledIterations {
            MuLaw.decode(frame(muLawCodes, index, 160), into: samplesOut)
            blackHole(samplesOut.baseAddress)
        }
    }
    Benchmark("02b G.711 mu-law encode 160", configuration: configuration) { benchmark in
        for index in benchmark.scaledIterations {
            MuLaw.encode(frame(pcm8k, index, 160), into: codesOut)
            blackHole(codesOut.baseAddress)
        }
    }
    Benchmark("02c G.711 A-law decode 160", configuration: configuration) { benchmark in
        for index in benchmark.scaledIterations {
            ALaw.decode(frame(aLawCodes, index, 160), into: samplesOut)
            blackHole(samplesOut.baseAddress)
        }
    }
    Benchmark("02d G.711 A-law encode 160", configuration: configuration) { benchmark in
        for index in benchmark.scaledIterations {
            ALaw.encode(frame(pcm8k, index, 160), into: codesOut)
            blackHole(codesOut.baseAddress)
        }
    }
    Benchmark("02e G.711 A-law to mu-law in place 160 (G711)", configuration: configuration) { benchmark in
        // A table lookup per byte: the values (A-law, then whatever the previous pass left)
        // do not change its cost.
        let work = UnsafeMutableRawBufferPointer(rebasing: UnsafeMutableRawBufferPointer(codesOut)[0..<160])
        for _ in benchmark.scaledIterations {
            G711.aLawToMuLaw(work)
            blackHole(work.baseAddress)
        }
    }
    Benchmark("02f G.711 A-law to mu-law 160 (AudioConverter)", configuration: configuration) { benchmark in
        let output = UnsafeMutableRawBufferPointer(codesOut)
        for index in benchmark.scaledIterations {
            let input = UnsafeRawBufferPointer(frame(aLawCodes, index, 160))
            blackHole(
                AudioConverter.codecToStream(input, codec: .pcma, encoding: .mulaw, byteOrder: .big, output: output))
        }
    }
    Benchmark("02g G.711 mu-law to L16 160 (AudioConverter)", configuration: configuration) { benchmark in
        let output = UnsafeMutableRawBufferPointer(codesOut)
        for index in benchmark.scaledIterations {
            let input = UnsafeRawBufferPointer(frame(muLawCodes, index, 160))
            blackHole(
                AudioConverter.codecToStream(input, codec: .pcmu, encoding: .l16, byteOrder: .big, output: output))
        }
    }

    // MARK: 3. Resampling one 20 ms frame (reused output array)

    for (from, to, input) in [(8000, 16000, pcm8k), (8000, 24000, pcm8k), (24000, 8000, pcm24k), (16000, 8000, pcm16k)] {
        let inputCount = from / 50
        var output: [Int16] = []
        output.reserveCapacity(to / 25)
        let box = StateBox((resampler: try! Resampler(from: from, to: to), output: output))
        Benchmark("03 Resample 20 ms \(from / 1000)k to \(to / 1000)k", configuration: configuration) { benchmark in
            box.withState { state in
                benchmark.startMeasurement()
                for index in benchmark.scaledIterations {
                    state.output.removeAll(keepingCapacity: true)
                    state.resampler.process(frame(input, index, inputCount), appendingTo: &state.output)
                    blackHole(state.output.count)
                }
                benchmark.stopMeasurement()
                if state.output.count != to / 50 { benchmark.error("resampler wrote \(state.output.count) samples") }
            }
        }
    }

    // MARK: 4. G.722 one 20 ms frame (320 samples <-> 160 octets)

    let g722Octets = permanentBuffer(TestSignal.g722())
    let encoderBox = StateBox(G722Encoder())
    Benchmark("04a G.722 encode 320 samples", configuration: configuration) { benchmark in
        encoderBox.withState { encoder in
            benchmark.startMeasurement()
            for index in benchmark.scaledIterations {
                blackHole(encoder.encode(frame(pcm16k, index, 320), into: codesOut))
            }
            benchmark.stopMeasurement()
        }
    }
    let decoderBox = StateBox(G722Decoder())
    Benchmark("04b G.722 decode 160 octets", configuration: configuration) { benchmark in
        decoderBox.withState { decoder in
            benchmark.startMeasurement()
            for index in benchmark.scaledIterations {
                blackHole(decoder.decode(frame(g722Octets, index, 160), into: samplesOut))
            }
            benchmark.stopMeasurement()
        }
    }

    // MARK: 5. Per-call transcoders

    var inboundScratch: [UInt8] = []
    inboundScratch.reserveCapacity(1024)
    let inboundBox = StateBox(
        (transcoder: try! InboundTranscoder(codec: .pcmu, format: AudioFormat(encoding: .l16, sampleRate: 16000)),
         output: inboundScratch))
    Benchmark("05a InboundTranscoder PCMU to L16 16k, 20 ms", configuration: configuration) { benchmark in
        inboundBox.withState { state in
            benchmark.startMeasurement()
            for index in benchmark.scaledIterations {
                state.output.removeAll(keepingCapacity: true)
                state.transcoder.transcode(UnsafeRawBufferPointer(frame(muLawCodes, index, 160)), into: &state.output)
                blackHole(state.output.count)
            }
            benchmark.stopMeasurement()
            if state.output.count != 640 { benchmark.error("transcoder wrote \(state.output.count) bytes") }
        }
    }

    let playAudioPayload = permanentBuffer(Array(TestSignal.muLaw()[0..<1100]))
    var outboundScratch: [UInt8] = []
    outboundScratch.reserveCapacity(4096)
    let outboundBox = StateBox((transcoder: OutboundTranscoder(codec: .pcma), output: outboundScratch))
    Benchmark("05b OutboundTranscoder.enqueueForm mu-law 1100 B to PCMA", configuration: configuration) { benchmark in
        outboundBox.withState { state in
            let payload = UnsafeRawBufferPointer(playAudioPayload)
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                state.output.removeAll(keepingCapacity: true)
                try! state.transcoder.enqueueForm(of: payload, format: .mulaw8k, into: &state.output)
                blackHole(state.output.count)
            }
            benchmark.stopMeasurement()
            if state.output.count != 1100 { benchmark.error("transcoder wrote \(state.output.count) bytes") }
        }
    }

    // MARK: 6. RTP out (Call+Playout.swift sendFrame)

    let rtpPayload = UnsafeRawBufferPointer(permanentBuffer(Array(TestSignal.muLaw()[0..<160])))
    let senderBox = StateBox(
        (sender: RTPSender(payloadType: 0, samplesPerFrame: 160, ssrc: 0x0BAD_CAFE, sequenceNumber: 1, timestamp: 1),
         packet: ByteBufferAllocator().buffer(capacity: 256)))
    Benchmark("06a RTP serialize: writeNextHeader + 160 B payload", configuration: configuration) { benchmark in
        senderBox.withState { state in
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                state.packet.clear()
                state.sender.writeNextHeader(into: &state.packet)
                state.packet.writeBytes(rtpPayload)
                blackHole(state.packet.readableBytes)
            }
            benchmark.stopMeasurement()
            if state.packet.readableBytes != 172 { benchmark.error("packet of \(state.packet.readableBytes) bytes") }
        }
    }

    // The playout queue refilled outside the measured region with 1000 frames' worth of audio.
    let oneSecondMuLaw = TestSignal.muLaw()
    let queueRefill = ByteBuffer(bytes: (0..<160_000).map { oneSecondMuLaw[$0 % oneSecondMuLaw.count] })
    let playoutBox = StateBox(
        (queue: PlayoutQueue(maximumBytes: 8_000_000),
         sender: RTPSender(payloadType: 0, samplesPerFrame: 160, ssrc: 0x0BAD_CAFE, sequenceNumber: 1, timestamp: 1),
         packet: ByteBufferAllocator().buffer(capacity: 256)))
    Benchmark("06b RTP out: writeNextHeader + PlayoutQueue.takeFrame", configuration: configuration) { benchmark in
        playoutBox.withState { state in
            state.queue.append(queueRefill)
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                state.packet.clear()
                state.sender.writeNextHeader(into: &state.packet)
                let frame = state.queue.takeFrame(size: 160, silence: 0xFF, into: &state.packet)
                blackHole(frame.hasAudio)
            }
            benchmark.stopMeasurement()
            if state.packet.readableBytes != 172 { benchmark.error("packet of \(state.packet.readableBytes) bytes") }
        }
    }

    // MARK: 7. playAudio decode (WSEgress InboundEventParser)

    let playAudioMessage = Fixtures.playAudioMessage(payload: Array(TestSignal.muLaw()[0..<1100]))
    do {
        guard case .playAudio(let play) = try InboundEventParser.parse(playAudioMessage),
            play.payload.readableBytes == 1100, play.streamId == Fixtures.streamId, play.sampleRate == 8000
        else { fatalError("playAudio fixture did not parse as expected") }
    } catch {
        fatalError("playAudio fixture: \(error)")
    }
    Benchmark(
        "07 playAudio parse, 1100 B mu-law (\(playAudioMessage.readableBytes) B JSON)", configuration: configuration
    ) { benchmark in
        for _ in benchmark.scaledIterations {
            do {
                blackHole(try InboundEventParser.parse(playAudioMessage))
            } catch {
                benchmark.error("\(error)")
            }
        }
    }

    // Issue 5's target names a 20 ms playAudio: 160 B of µ-law, 216 base64 characters.
    let playAudio20ms = Fixtures.playAudioMessage(payload: Array(TestSignal.muLaw()[0..<160]))
    do {
        guard case .playAudio(let play) = try InboundEventParser.parse(playAudio20ms), play.payload.readableBytes == 160
        else { fatalError("20 ms playAudio fixture did not parse as expected") }
    } catch {
        fatalError("20 ms playAudio fixture: \(error)")
    }
    Benchmark(
        "07b playAudio parse, 20 ms mu-law 160 B (\(playAudio20ms.readableBytes) B JSON)", configuration: configuration
    ) { benchmark in
        for _ in benchmark.scaledIterations {
            do {
                blackHole(try InboundEventParser.parse(playAudio20ms))
            } catch {
                benchmark.error("\(error)")
            }
        }
    }

    // MARK: 8. media event encode (WSEgress StreamSession)

    let mediaFrame = ByteBuffer(bytes: TestSignal.muLaw()[0..<160])
    let writerBox = StateBox((session: Fixtures.session(), buffer: ByteBufferAllocator().buffer(capacity: 1024)))
    Benchmark("08a media event encode, 160 B, reused buffer", configuration: configuration) { benchmark in
        writerBox.withState { state in
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                state.buffer.clear()
                state.session.writeMedia(mediaFrame, into: &state.buffer)
                blackHole(state.buffer.readableBytes)
            }
            benchmark.stopMeasurement()
        }
    }
    let freshWriterBox = StateBox(Fixtures.session())
    let allocator = ByteBufferAllocator()
    Benchmark("08b media event encode, 160 B, new buffer per frame (as Call+Inbound)", configuration: configuration) {
        benchmark in
        freshWriterBox.withState { session in
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                // Call+Inbound.swift: allocator.buffer(capacity: 96 + frame.readableBytes * 4 / 3)
                var buffer = allocator.buffer(capacity: 96 + mediaFrame.readableBytes * 4 / 3)
                session.writeMedia(mediaFrame, into: &buffer)
                blackHole(buffer)
            }
            benchmark.stopMeasurement()
        }
    }
    // An L16 16 kHz frame (640 B): the capacity estimate rounds up to 1024 B, short of the
    // 1052 B the event needs, so the buffer also grows once per frame.
    let l16Frame = ByteBuffer(bytes: (0..<640).map { UInt8(truncatingIfNeeded: $0 &* 37) })
    let freshL16WriterBox = StateBox(Fixtures.session(format: AudioFormat(encoding: .l16, sampleRate: 16000)))
    Benchmark("08c media event encode, 640 B L16 16k, new buffer per frame (as Call+Inbound)", configuration: configuration) {
        benchmark in
        freshL16WriterBox.withState { session in
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                var buffer = allocator.buffer(capacity: 96 + l16Frame.readableBytes * 4 / 3)
                session.writeMedia(l16Frame, into: &buffer)
                blackHole(buffer)
            }
            benchmark.stopMeasurement()
        }
    }
}
