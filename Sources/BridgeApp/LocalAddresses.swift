import NIOCore
import NIOPosix

/// The host's own addresses, for the default `sip.advertised_address`.
enum LocalAddresses {
    /// The first IPv4 address of an interface that is not loopback, if any.
    static func firstIPv4() -> String? {
        guard let devices = try? System.enumerateDevices() else { return nil }
        for device in devices {
            guard let address = device.address, case .v4 = address, let ip = address.ipAddress, !ip.hasPrefix("127.")
            else { continue }
            return ip
        }
        return nil
    }

    /// The address to advertise: the configured one, else the listen address when it is a
    /// concrete address, else the first interface address (ARCHITECTURE: "default: first local
    /// address").
    static func advertised(configured: String?, listenHost: String) -> String {
        if let configured { return configured }
        if listenHost != "0.0.0.0" && listenHost != "::" { return listenHost }
        return firstIPv4() ?? "127.0.0.1"
    }
}
