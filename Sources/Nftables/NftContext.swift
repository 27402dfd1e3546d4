import CNftables

/// One libnftables context. It owns the `nft_ctx*` and frees it in `deinit`;
/// this file is the only place in cfsync that calls a `nft_*` function.
public final class NftContext {
    /// How the next command's output is rendered.
    public enum OutputFormat: Sendable {
        /// nft's own text, as `nft list` prints it.
        case text
        /// Text without set elements (`nft -t`): the structure of a table.
        case terse
        /// libnftables JSON (`nft -j`).
        case json
    }

    private let ctx: OpaquePointer

    /// - Throws: `NftError` of kind `.unavailable` when libnftables cannot make a context.
    public init() throws(NftError) {
        guard let ctx = nft_ctx_new(UInt32(NFT_CTX_DEFAULT)) else {
            throw NftError(kind: .unavailable, message: "libnftables could not create a context")
        }
        self.ctx = ctx
        nft_ctx_buffer_output(ctx)
        nft_ctx_buffer_error(ctx)
    }

    deinit { nft_ctx_free(ctx) }

    /// Runs `commands` (an nft script; one script is one kernel transaction)
    /// and returns what it printed.
    ///
    /// - Parameter dryRun: parse and check against the kernel without committing.
    @discardableResult
    public func run(_ commands: String, format: OutputFormat = .text, dryRun: Bool = false) throws(NftError) -> String {
        var flags: UInt32 = 0
        switch format {
        case .text: break
        case .terse: flags = UInt32(NFT_CTX_OUTPUT_TERSE)
        case .json: flags = UInt32(NFT_CTX_OUTPUT_JSON)
        }
        nft_ctx_output_set_flags(ctx, flags)
        nft_ctx_set_dry_run(ctx, dryRun)
        let status = nft_run_cmd_from_buffer(ctx, commands)
        let output = String(cString: nft_ctx_get_output_buffer(ctx))
        let errors = String(cString: nft_ctx_get_error_buffer(ctx))
        guard status == 0 else { throw NftError(libnftablesMessage: errors) }
        return output
    }
}
