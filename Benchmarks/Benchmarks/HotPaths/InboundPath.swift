import Benchmark
import NIOCore
import RTPMedia
import Transcode
import WSEgress

/// The caller → AI path of `Call+Inbound.swift` (`receivedRTP` → `receivedAudio` →
/// `forwardBufferOutputs`) without the channel: the same calls in the same order, with the
/// datagram, the `media` text buffer and the frame buffer reused instead of allocated.
///
/// Left out, because they need a live `Channel`/`EventLoop`: source latching (one address
/// comparison), the event-loop part of `scheduleInboundTimer()`, `stream.writeMedia(text:)`
/// and `flush()`, and logging. Mirrors `Call+Inbound.swift` as of commit 1f3a903.
struct InboundPath {
    /// Socket-side state: the datagram being "received" and the call's per-packet state.
    struct Receiver {
        var datagram: ByteBuffer
        var sequenceNumber: UInt16
        var timestamp: UInt32
        let payloadType: UInt8
        var ssrc: UInt32?
        var reception: ReceptionStatistics
        var jitterBuffer: InboundJitterBuffer
        var bufferOutputs: [InboundJitterBuffer.Output] = []
        var inbound: InboundTranscoder
        var scratch: [UInt8] = []
        /// Stands in for `stream.channel.allocator.buffer(bytes: scratch)` on the transcoding
        /// path (reused here; see README).
        var frameBuffer: ByteBuffer
        var stats = Stats()
    }

    /// The call's `stats` fields the path updates.
    struct Stats {
        var packetsDropped = 0
        var packetsIn = 0
        var bytesIn = 0
        var unitsConcealed = 0
        var mediaSent = 0
        var late = 0
        var lost = 0
        var duplicates = 0
        var jitterMilliseconds = 0.0
        var wsMediaDropped = 0
    }

    /// Stream-side state: the session counters and the reused `media` text buffer.
    struct Writer {
        var session: StreamSession
        var buffer: ByteBuffer
        var textBytes = 0
        /// `route.stream.tracks` (`audio_track: inbound`).
        var tracks: [Track] = [.inbound]
        /// `stream.mediaFramesDropped` (the WebSocket backlog; nothing dropped here).
        var mediaFramesDropped = 0

        /// `streamSession.writeMedia(frame, into: &buffer)` into the reused buffer.
        mutating func write(_ frame: ByteBuffer) {
            buffer.clear()
            session.writeMedia(frame, into: &buffer)
            textBytes &+= buffer.readableBytes
        }
    }

    var receiver: Receiver
    var framer: InboundFramer
    var writer: Writer

    /// A call with codec `codec` on a stream in `format`, 20 ms packets.
    init(codec: AudioCodec, format: AudioFormat) {
        let payload: [UInt8]
        switch codec {
        case .pcmu: payload = Array(TestSignal.muLaw()[0..<160])
        case .pcma: payload = Array(TestSignal.aLaw()[0..<160])
        case .g722: payload = Array(TestSignal.g722()[0..<160])
        }
        let sequenceNumber: UInt16 = 40_000
        let timestamp: UInt32 = 3_000_000_000
        let datagram = Fixtures.datagram(
            payloadType: codec.staticPayloadType, sequenceNumber: sequenceNumber, timestamp: timestamp,
            ssrc: 0x1234_5678, payload: payload)
        precondition(datagram.readableBytes == 172)
        var bufferOutputs: [InboundJitterBuffer.Output] = []
        bufferOutputs.reserveCapacity(8)
        receiver = Receiver(
            datagram: datagram, sequenceNumber: sequenceNumber, timestamp: timestamp,
            payloadType: codec.staticPayloadType,
            reception: ReceptionStatistics(clockRate: codec.clockRate),
            jitterBuffer: InboundJitterBuffer(), bufferOutputs: bufferOutputs,
            inbound: try! InboundTranscoder(codec: codec, format: format),
            frameBuffer: ByteBufferAllocator().buffer(capacity: 1024))
        receiver.scratch.reserveCapacity(1024)
        framer = InboundFramer(frameSize: format.bytesPer20ms)
        writer = Writer(session: Fixtures.session(format: format), buffer: ByteBufferAllocator().buffer(capacity: 2048))
    }
}

/// The datagram becomes the next packet of the stream (sequence number + 1, timestamp + 160).
///
/// It is rewritten in place, as NIO would hand over a fresh buffer: the previous packet's
/// payload slices (in `bufferOutputs`) are dropped first, and the previous call's locals are
/// gone, so the storage is uniquely referenced and no copy-on-write copy is made. (Doing this
/// at the end of the call instead costs two allocations: the `packet` binding still holds a
/// slice there.)
@inline(__always)
func nextDatagram(_ rx: inout InboundPath.Receiver) {
    rx.bufferOutputs.removeAll(keepingCapacity: true)
    rx.sequenceNumber &+= 1
    rx.timestamp &+= 160
    rx.datagram.setInteger(rx.sequenceNumber, at: rx.datagram.readerIndex + 2)
    rx.datagram.setInteger(rx.timestamp, at: rx.datagram.readerIndex + 4)
}

/// One 20 ms packet through the inbound path (after advancing the datagram to the next one).
@inline(__always)
func receiveOnePacket(_ rx: inout InboundPath.Receiver, _ framer: inout InboundFramer, _ writer: inout InboundPath.Writer) {
    nextDatagram(&rx)
    // receivedRTP
    guard let packet = try? RTPPacket(parsing: rx.datagram) else {
        rx.stats.packetsDropped += 1
        return
    }
    let now = NIODeadline.now()
    switch packet.header.payloadType {
    case rx.payloadType:
        // receivedAudio
        if let ssrc = rx.ssrc, ssrc != packet.header.ssrc {
            rx.jitterBuffer.reset()
            rx.reception = ReceptionStatistics(clockRate: 8000)
        }
        rx.ssrc = packet.header.ssrc
        guard
            rx.reception.record(
                sequenceNumber: packet.header.sequenceNumber, timestamp: packet.header.timestamp, arrival: now)
        else { break }
        rx.stats.packetsIn += 1
        rx.stats.bytesIn += packet.payload.readableBytes
        rx.bufferOutputs.removeAll(keepingCapacity: true)
        rx.jitterBuffer.push(
            timestamp: packet.header.timestamp, payload: packet.payload, arrival: now, into: &rx.bufferOutputs)
        forwardBufferOutputs(&rx, &framer, &writer)
        // scheduleInboundTimer(): the part that does not need the event loop.
        blackHole(rx.jitterBuffer.nextDeadline)
    default:
        rx.stats.packetsDropped += 1
    }

}

/// `forwardBufferOutputs()` of `Call+Inbound.swift`.
@inline(__always)
private func forwardBufferOutputs(
    _ rx: inout InboundPath.Receiver, _ framer: inout InboundFramer, _ writer: inout InboundPath.Writer
) {
    rx.stats.late = rx.jitterBuffer.late
    rx.stats.lost = rx.reception.lost
    rx.stats.duplicates = rx.reception.duplicates
    rx.stats.jitterMilliseconds = rx.reception.jitterMilliseconds
    guard !rx.bufferOutputs.isEmpty, writer.tracks.contains(.inbound) else { return }
    for output in rx.bufferOutputs {
        let streamBytes: ByteBuffer
        switch output {
        case .audio(let payload) where rx.inbound.isPassthrough:
            payload.withUnsafeReadableBytes { rx.inbound.receivedPassthrough($0) }
            streamBytes = payload
        case .audio(let payload):
            rx.scratch.removeAll(keepingCapacity: true)
            payload.withUnsafeReadableBytes { rx.inbound.transcode($0, into: &rx.scratch) }
            rx.frameBuffer.clear()
            rx.frameBuffer.writeBytes(rx.scratch)
            streamBytes = rx.frameBuffer
        case .missing(let units):
            rx.scratch.removeAll(keepingCapacity: true)
            rx.inbound.conceal(units: units, into: &rx.scratch)
            rx.frameBuffer.clear()
            rx.frameBuffer.writeBytes(rx.scratch)
            streamBytes = rx.frameBuffer
            rx.stats.unitsConcealed += units
        }
        framer.push(streamBytes) { frame in
            writer.write(frame)
            rx.stats.mediaSent += 1
        }
    }
    // noteMediaDrops(stream): one comparison when the backlog dropped nothing.
    if writer.mediaFramesDropped > rx.stats.wsMediaDropped { rx.stats.wsMediaDropped = writer.mediaFramesDropped }
}
