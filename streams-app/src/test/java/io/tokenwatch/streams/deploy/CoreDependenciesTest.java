package io.tokenwatch.streams.deploy;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The product's core (topology, ordering, stats, anomaly rule, dead-letter handling) depends on Kafka
 * Streams, the schemas and Micrometer's core API only: never on the app's settings, HTTP, commands,
 * notifier or demo, picocli, the JDK HTTP server, the Prometheus registry or the embedded broker
 * (docs/ARCHITECTURE.md). Checked on the sources, imports and names written inline alike.
 */
class CoreDependenciesTest {
    private static final Path SOURCES = Path.of("src/main/java/io/tokenwatch/streams");
    private static final List<String> CORE = List.of("topology", "ordering", "stats", "anomaly", "errors");
    private static final List<String> BANNED = List.of("io.tokenwatch.streams.app.", "io.tokenwatch.streams.api.", "io.tokenwatch.streams.cli.",
            "io.tokenwatch.streams.config.", "io.tokenwatch.streams.demo.", "io.tokenwatch.streams.notify.", "io.tokenwatch.streams.report.",
            "picocli.", "com.sun.net.httpserver.", "io.micrometer.prometheusmetrics.", "io.tokenwatch.kafka.");

    @Test
    void theCoreSeesNothingOfTheAppAroundIt() throws IOException {
        List<String> violations = new ArrayList<>();
        int files = 0;
        for (String pkg : CORE) {
            try (Stream<Path> sources = Files.walk(SOURCES.resolve(pkg))) {
                for (Path source : sources.filter(p -> p.toString().endsWith(".java")).toList()) {
                    files++;
                    String text = Files.readString(source);
                    BANNED.stream().filter(text::contains).forEach(banned -> violations.add(SOURCES.relativize(source) + " uses " + banned));
                }
            }
        }
        assertThat(files).as("core sources found").isGreaterThan(30);
        assertThat(violations).isEmpty();
    }
}
