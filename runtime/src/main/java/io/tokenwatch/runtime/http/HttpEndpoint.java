package io.tokenwatch.runtime.http;

import io.tokenwatch.runtime.config.KeyStoreFile;
import io.tokenwatch.runtime.config.TokenwatchConfig;

import java.util.Optional;

/**
 * Where a process's HTTP port listens and whether it speaks TLS ({@code tokenwatch.http.tls.keystore.*}).
 *
 * @param address the interface ({@code tokenwatch.http.address}: loopback unless one is configured)
 * @param port    the port, 0 for any free one
 * @param tls     the server certificate's key store, when the port serves HTTPS
 */
public record HttpEndpoint(String address, int port, Optional<KeyStoreFile> tls) {
    /** The configured endpoint, on {@code port} (the command may override the configured one). */
    public static HttpEndpoint of(TokenwatchConfig config, int port) {
        return new HttpEndpoint(config.httpAddress, port, config.httpTls);
    }

    /** Plain HTTP on {@code address:port}. */
    public static HttpEndpoint plain(String address, int port) {
        return new HttpEndpoint(address, port, Optional.empty());
    }

    public String scheme() {
        return tls.isPresent() ? "https" : "http";
    }
}
