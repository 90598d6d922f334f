import Hummingbird

/// `status.token` (issue 6, issue 8): every status endpoint but the probes (`/healthz`,
/// `/readyz`) and the dashboard page (`/`, static; its requests carry the token), which reveal
/// nothing, requires `Authorization: Bearer <token>`; anything else gets
/// `401` with `WWW-Authenticate: Bearer` (RFC 6750 §3). The comparison takes the same time
/// wherever the first difference is.
struct StatusAuthentication<Context: RequestContext>: RouterMiddleware {
    let token: [UInt8]

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let path = request.uri.path
        guard path != "/healthz", path != "/readyz", path != "/" else { return try await next(request, context) }
        let presented = request.headers[.authorization].map { Array($0.utf8) } ?? []
        let prefix = Array("Bearer ".utf8)
        guard presented.count == prefix.count + token.count, presented.starts(with: prefix),
            constantTimeEqual(Array(presented.dropFirst(prefix.count)), token)
        else {
            return Response(
                status: .unauthorized,
                headers: [.wwwAuthenticate: #"Bearer realm="sipbridge""#, .contentType: "application/json"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: #"{"error":"a bearer token is required"}"#)))
        }
        return try await next(request, context)
    }

    private func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }
}
