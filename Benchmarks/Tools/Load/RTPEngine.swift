import Foundation
import NIOCore
import NIOPosix

/// The reference relay for the CPU comparison: Debian's `rtpengine` in userspace
/// (`--table=-1`, no kernel forwarding), driven over its ng control protocol (bencode over UDP,
/// "cookie d…e"). Each comparison call is an offer/answer between two of our RTP sockets, which
/// then send stamped 20 ms frames at each other through rtpengine at 50 packets/s per side —
/// the same packet rate as a bridged call.
final class RTPEngineProcess {
    let process = Process()
    let ngPort: Int

    init(binary: String, ngPort: Int, portMin: Int, portMax: Int, directory: URL) throws {
        self.ngPort = ngPort
        let log = directory.appendingPathComponent("rtpengine.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = [
            "--config-file=none", "--table=-1", "--interface=127.0.0.1", "--listen-ng=127.0.0.1:\(ngPort)",
            "--port-min=\(portMin)", "--port-max=\(portMax)", "--foreground", "--log-stderr", "--log-level=4",
            "--pidfile=\(directory.appendingPathComponent("rtpengine.pid").path)", "--delete-delay=0",
        ]
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
    }

    var cpuSeconds: Double { BridgeProcess.cpuSeconds(pid: process.processIdentifier) }
    var residentMiB: Double { BridgeProcess.residentMiB(pid: process.processIdentifier) }

    /// Sends one ng command and returns the reply's string values (`result`, `sdp`, …).
    func command(_ fields: [(String, String)]) throws -> [String: String] {
        let cookie = "\(UInt32.random(in: 0...UInt32.max))"
        var message = Array("\(cookie) d".utf8)
        for (key, value) in fields { message += Bencode.string(key) + Bencode.string(value) }
        message += Array("e".utf8)
        let reply = try NGSocket.exchange(message, port: ngPort)
        guard reply.starts(with: Array("\(cookie) ".utf8)) else { throw LoadError("rtpengine: reply without our cookie") }
        return Bencode.strings(in: Array(reply.dropFirst(cookie.utf8.count + 1)))
    }

    /// Waits until rtpengine answers `ping`.
    func waitUntilRunning() async throws {
        for _ in 0..<100 {
            if (try? command([("command", "ping")]))?["result"] == "pong" { return }
            guard process.isRunning else { throw LoadError("rtpengine exited (see its log)") }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw LoadError("rtpengine did not answer ping")
    }

    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        for _ in 0..<100 where process.isRunning { usleep(50_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
}

/// The few bencode shapes the ng protocol needs.
enum Bencode {
    static func string(_ text: String) -> [UInt8] { Array("\(text.utf8.count):".utf8) + Array(text.utf8) }

    /// The string values of a flat dictionary (nested values are skipped).
    static func strings(in bytes: [UInt8]) -> [String: String] {
        var index = 0
        var result: [String: String] = [:]
        func readString() -> String? {
            var length = 0
            while index < bytes.count, let digit = Int(exactly: bytes[index]).flatMap({ (48...57).contains($0) ? $0 - 48 : nil }) {
                length = length * 10 + digit
                index += 1
            }
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":"), index + 1 + length <= bytes.count else { return nil }
            let text = String(decoding: bytes[(index + 1)..<(index + 1 + length)], as: UTF8.self)
            index += 1 + length
            return text
        }
        func skipValue() {
            guard index < bytes.count else { return }
            switch bytes[index] {
            case UInt8(ascii: "i"):
                while index < bytes.count, bytes[index] != UInt8(ascii: "e") { index += 1 }
                index += 1
            case UInt8(ascii: "l"), UInt8(ascii: "d"):
                index += 1
                while index < bytes.count, bytes[index] != UInt8(ascii: "e") { skipValue() }
                index += 1
            default:
                _ = readString()
            }
        }
        guard bytes.first == UInt8(ascii: "d") else { return [:] }
        index = 1
        while index < bytes.count, bytes[index] != UInt8(ascii: "e") {
            guard let key = readString() else { break }
            if index < bytes.count, (48...57).contains(bytes[index]) {
                result[key] = readString()
            } else {
                skipValue()
            }
        }
        return result
    }
}

/// A blocking UDP exchange with rtpengine's control port (setup only, not the media path).
enum NGSocket {
    static func exchange(_ message: [UInt8], port: Int) throws -> [UInt8] {
        let descriptor = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard descriptor >= 0 else { throw LoadError("socket: \(errno)") }
        defer { close(descriptor) }
        var timeout = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let sent = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                sendto(descriptor, message, message.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard sent == message.count else { throw LoadError("sendto: \(errno)") }
        var buffer = [UInt8](repeating: 0, count: 65536)
        let received = recv(descriptor, &buffer, buffer.count, 0)
        guard received > 0 else { throw LoadError("rtpengine did not answer (\(errno))") }
        return Array(buffer.prefix(received))
    }
}

/// One relayed comparison call: side A and side B, each a socket that sends a stamped frame
/// every 20 ms to the port rtpengine gave it and records the other side's frames.
final class RelayCall: PacedSender, @unchecked Sendable {
    let index: UInt32
    let a: any Channel
    let b: any Channel
    var aTarget: SocketAddress?
    var bTarget: SocketAddress?
    private var sequence: UInt16 = 0
    private var framesSent: UInt32 = 0
    private let measurements: Measurements

    init(index: UInt32, a: any Channel, b: any Channel, measurements: Measurements) {
        self.index = index
        self.a = a
        self.b = b
        self.measurements = measurements
    }

    func sendFrame() {
        guard let aTarget, let bTarget else { return }
        for (channel, target, ssrc) in [(a, aTarget, UInt32(0xA000_0000) | index), (b, bTarget, UInt32(0xB000_0000) | index)] {
            var buffer = channel.allocator.buffer(capacity: 172)
            buffer.writeInteger(UInt8(0x80))
            buffer.writeInteger(UInt8(0))
            buffer.writeInteger(sequence)
            buffer.writeInteger(UInt32(sequence) &* 160)
            buffer.writeInteger(ssrc)
            buffer.writeBytes(Stamp(kind: .caller, call: index, sequence: framesSent, time: LoadClock.now).frame())
            channel.writeAndFlush(AddressedEnvelope(remoteAddress: target, data: buffer), promise: nil)
        }
        sequence &+= 1
        framesSent += 1
        measurements.count { $0.relayFramesSent += 2 }
    }
}

final class RelayHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    private let measurements: Measurements
    init(measurements: Measurements) { self.measurements = measurements }
    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let now = LoadClock.now
        let buffer = unwrapInboundIn(data).data
        guard let payload = buffer.getBytes(at: buffer.readerIndex + 12, length: min(Stamp.size, max(0, buffer.readableBytes - 12))),
            let stamp = Stamp(payload)
        else { return }
        measurements.record(.relay, nanoseconds: now &- stamp.time)
        measurements.count { $0.relayFramesReceived += 1 }
    }
    func errorCaught(context: ChannelHandlerContext, error: any Error) {}
}

/// The comparison calls, set up through rtpengine's ng protocol, paced like the bridged calls.
final class RelayFleet: Sendable {
    private let relays: [RelayCall]
    private let pacers: [ObjectIdentifier: Pacer]

    private init(relays: [RelayCall], pacers: [ObjectIdentifier: Pacer]) {
        self.relays = relays
        self.pacers = pacers
    }

    static func start(
        calls: Int, group: any EventLoopGroup, engine: RTPEngineProcess, measurements: Measurements, phases: PacerPhases
    ) async throws -> RelayFleet {
        var pacers: [ObjectIdentifier: Pacer] = [:]
        let loops = Array(group.makeIterator())
        for (number, loop) in loops.enumerated() {
            pacers[ObjectIdentifier(loop)] = Pacer(eventLoop: loop, measurements: measurements, phases: phases, loop: number, loops: loops.count)
        }
        var relays: [RelayCall] = []
        for index in 0..<calls {
            let loop = group.next()
            func bind() async throws -> any Channel {
                try await DatagramBootstrap(group: loop)
                    .channelInitializer { channel in
                        channel.eventLoop.makeCompletedFuture {
                            try channel.pipeline.syncOperations.addHandler(RelayHandler(measurements: measurements))
                        }
                    }
                    .bind(host: "127.0.0.1", port: 0).get()
            }
            let a = try await bind()
            let b = try await bind()
            func sdp(_ port: Int) -> String {
                ["v=0", "o=load \(index) 1 IN IP4 127.0.0.1", "s=-", "c=IN IP4 127.0.0.1", "t=0 0", "m=audio \(port) RTP/AVP 0",
                 "a=rtpmap:0 PCMU/8000", "a=ptime:20", "a=sendrecv"].joined(separator: "\r\n") + "\r\n"
            }
            let callID = "cmp-\(index)-\(getpid())"
            let offer = try engine.command([
                ("command", "offer"), ("call-id", callID), ("from-tag", "a\(index)"), ("sdp", sdp(a.localAddress?.port ?? 0)),
            ])
            let answer = try engine.command([
                ("command", "answer"), ("call-id", callID), ("from-tag", "a\(index)"), ("to-tag", "b\(index)"),
                ("sdp", sdp(b.localAddress?.port ?? 0)),
            ])
            guard offer["result"] == "ok", answer["result"] == "ok", let towardB = SIPMessageText("\r\n\r\n" + (offer["sdp"] ?? "")).mediaPort,
                let towardA = SIPMessageText("\r\n\r\n" + (answer["sdp"] ?? "")).mediaPort
            else { throw LoadError("rtpengine refused call \(index): \(offer) \(answer)") }
            let relay = RelayCall(index: UInt32(index), a: a, b: b, measurements: measurements)
            // A sends to the port rtpengine answered A with; B to the one it offered B.
            let aTarget = try SocketAddress(ipAddress: "127.0.0.1", port: towardA)
            let bTarget = try SocketAddress(ipAddress: "127.0.0.1", port: towardB)
            let pacer = pacers[ObjectIdentifier(loop)]
            try await loop.submit {
                relay.aTarget = aTarget
                relay.bTarget = bTarget
                pacer?.add(relay)
            }.get()
            relays.append(relay)
        }
        return RelayFleet(relays: relays, pacers: pacers)
    }

    func stop() async {
        for relay in relays {
            let pacer = pacers[ObjectIdentifier(relay.a.eventLoop)]
            try? await relay.a.eventLoop.submit { pacer?.remove(relay) }.get()
            try? await relay.a.close()
            try? await relay.b.close()
        }
    }
}
