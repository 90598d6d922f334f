public import NIOCore

/// Re-frames the caller's RTP payloads into fixed 20 ms frames for the stream (spec §3.2:
/// one `media` event per 20 ms). Packets of 10, 30 or 60 ms (`a=ptime`) become the same
/// 20 ms cadence; 20 ms packets pass straight through without a copy.
public struct InboundFramer: Sendable {
    /// Bytes per output frame.
    public let frameSize: Int
    private var pending: ByteBuffer

    /// Creates a framer.
    /// - Parameter frameSize: bytes per 20 ms frame in the stream's codec (160 for µ-law 8 kHz).
    public init(frameSize: Int) {
        self.frameSize = frameSize
        self.pending = ByteBuffer()
    }

    /// Bytes held back waiting for a full frame.
    public var pendingBytes: Int { pending.readableBytes }

    /// Adds a payload and hands every complete frame to `emit`, in order.
    public mutating func push(_ payload: ByteBuffer, emit: (ByteBuffer) -> Void) {
        if pending.readableBytes == 0 && payload.readableBytes == frameSize {
            return emit(payload)
        }
        var payload = payload
        pending.writeBuffer(&payload)
        while pending.readableBytes >= frameSize {
            emit(pending.readSlice(length: frameSize)!)
        }
        pending.discardReadBytes()
    }
}
