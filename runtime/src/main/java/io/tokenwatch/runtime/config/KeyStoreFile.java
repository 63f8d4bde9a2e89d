package io.tokenwatch.runtime.config;

import java.nio.file.Path;

/** A PKCS12 or JKS key store holding a server's key and certificate chain; its password is never shown. */
public record KeyStoreFile(Path path, String type, String password) {
    @Override
    public String toString() {
        return "KeyStoreFile[path=" + path + ", type=" + type + ", password=(hidden)]";
    }
}
