/// The wire forms of a message and of a Via value (RFC 3261 §7, §20.42).
extension SIPMessage: WireRenderable {
    func render<Sink: WireSink>(into sink: inout Sink) {
        // Fields are read in place from the storage: reading `from` or a list element as a
        // value copies it whole, each of its strings retained and released (a name-addr has
        // up to six), for the one string written.
        let fields = storage
        switch fields.startLine {
        case .request(let method, let uri):
            sink.append(method.rawValue)
            sink.append(" ")
            sink.append(uri.text)
            sink.append(" SIP/2.0\r\n")
        case .response(let status, let reason):
            sink.append("SIP/2.0 ")
            sink.appendDecimal(status)
            sink.append(" ")
            sink.append(reason)
            sink.append("\r\n")
        }
        if let lines = fields.viaLines {
            sink.append(lines)
        } else {
            ViaLines(fields.vias).render(into: &sink)
        }
        for index in fields.recordRoutes.indices { field("Record-Route", fields.recordRoutes[index].text, into: &sink) }
        for index in fields.routes.indices { field("Route", fields.routes[index].text, into: &sink) }
        if let maxForwards = fields.maxForwards {
            sink.append("Max-Forwards: ")
            sink.appendDecimal(maxForwards)
            sink.append("\r\n")
        }
        field("From", fields.from.text, into: &sink)
        field("To", fields.to.text, into: &sink)
        field("Call-ID", fields.callID, into: &sink)
        sink.append("CSeq: ")
        sink.appendDecimal(Int(fields.cseq.number))
        sink.append(" ")
        sink.append(fields.cseq.method.rawValue)
        sink.append("\r\n")
        for index in fields.contacts.indices { field("Contact", fields.contacts[index].text, into: &sink) }
        for index in fields.otherHeaders.indices {
            sink.append(fields.otherHeaders[index].name)
            sink.append(": ")
            sink.append(fields.otherHeaders[index].value)
            sink.append("\r\n")
        }
        if let contentType = fields.contentType { field("Content-Type", contentType, into: &sink) }
        sink.append("Content-Length: ")
        sink.appendDecimal(fields.body.count)
        sink.append("\r\n\r\n")
        sink.append(fields.body)
    }

    /// `name: value` and CRLF (RFC 3261 §7.3).
    private func field<Sink: WireSink>(_ name: StaticString, _ value: String, into sink: inout Sink) {
        sink.append(name)
        sink.append(": ")
        sink.append(value)
        sink.append("\r\n")
    }
}

/// `Via` header lines, one per value, topmost first (RFC 3261 §7.3.1, §20.42).
struct ViaLines: WireRenderable {
    let vias: [Via]

    init(_ vias: [Via]) {
        self.vias = vias
    }

    func render<Sink: WireSink>(into sink: inout Sink) {
        for via in vias {
            sink.append("Via: ")
            via.render(into: &sink)
            sink.append("\r\n")
        }
    }
}

extension Via: WireRenderable {
    /// `SIP/2.0/UDP host:port;params`; an IPv6 host in brackets (RFC 3261 §20.42, §25.1).
    func render<Sink: WireSink>(into sink: inout Sink) {
        sink.append("SIP/2.0/")
        sink.append(transport)
        sink.append(" ")
        if host.hasColon {
            sink.append("[")
            sink.append(host)
            sink.append("]")
        } else {
            sink.append(host)
        }
        if let port {
            sink.append(":")
            sink.appendDecimal(port)
        }
        for parameter in parameters {
            sink.append(";")
            sink.append(parameter.name)
            if let value = parameter.value {
                sink.append("=")
                sink.append(value)
            }
        }
    }
}
