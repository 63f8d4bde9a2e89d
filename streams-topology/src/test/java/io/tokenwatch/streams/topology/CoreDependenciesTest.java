package io.tokenwatch.streams.topology;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The module's dependencies are held by the enforcer (no picocli, Prometheus registry, embedded
 * broker, logback or app module); the JDK's own HTTP server is always on the class path, so this
 * checks the sources for it (imports and names written inline alike).
 */
class CoreDependenciesTest {

    @Test
    void noCoreSourceUsesTheHttpServer() throws IOException {
        List<Path> sources;
        try (Stream<Path> files = Files.walk(Path.of("src/main/java"))) {
            sources = files.filter(p -> p.toString().endsWith(".java")).toList();
        }
        assertThat(sources).as("core sources").hasSizeGreaterThan(30);
        assertThat(sources).filteredOn(p -> read(p).contains("com.sun.net.httpserver")).isEmpty();
    }

    private static String read(Path source) {
        try {
            return Files.readString(source);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
