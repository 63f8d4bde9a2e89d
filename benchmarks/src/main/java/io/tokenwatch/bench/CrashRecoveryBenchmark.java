package io.tokenwatch.bench;

import io.tokenwatch.kafka.EmbeddedKafkaBroker;
import io.tokenwatch.registry.MockSchemaRegistry;
import io.tokenwatch.registry.SchemaRegistryHttpServer;
import org.apache.kafka.streams.StreamsConfig;

import java.io.IOException;
import java.io.Writer;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;

/**
 * Restart after a crash at exactly-once: the app (its own JVM, `run`) builds 7 days of state for many
 * groups, is killed with -9, and is started again on the same state directory; timed until ready.
 * Without transactional state stores Kafka Streams wipes every task's state after a dirty close at
 * exactly-once and restores it from the changelogs; with them (Kafka 4.4, KIP-892) it keeps what was
 * committed. Both in the same run on the same broker. Usage:
 * {@code java -Xmx1g -cp benchmarks.jar io.tokenwatch.bench.CrashRecoveryBenchmark [groups] [hours]}.
 */
public final class CrashRecoveryBenchmark {
    public static void main(String[] args) throws Exception {
        int groups = args.length > 0 ? Integer.parseInt(args[0]) : 3_000;
        int hours = args.length > 1 ? Integer.parseInt(args[1]) : 168;
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.onFreePorts().start();
             SchemaRegistryHttpServer registry = SchemaRegistryHttpServer.start(MockSchemaRegistry.forScope("crash-recovery"), "127.0.0.1", 0)) {
            broker.createTopics(4, List.of("llm.calls.v1", "llm.outcomes.v1"));
            long calls = RecoveryBenchmark.preload(broker, registry.url(), groups, hours);
            System.out.printf("Pre-loaded %,d calls: one per group per hour, %,d groups, %d hours%n", calls, groups, hours);
            double wiped = crashAndRestart(broker, registry.url(), false);
            double kept = crashAndRestart(broker, registry.url(), true);
            System.out.printf("Restart after kill -9: ready after %.1f s with transactional state stores vs %.1f s without = %.2f x%n", kept, wiped,
                    kept / wiped);
        }
    }

    /** Seconds from the restart to ready, after building the state and killing the app with -9. */
    private static double crashAndRestart(EmbeddedKafkaBroker broker, String registryUrl, boolean transactionalStores) throws Exception {
        String appId = "tokenwatch-crash-" + (transactionalStores ? "kept" : "wiped");
        Path dir = Files.createTempDirectory(appId);
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        Properties settings = new Properties();
        settings.put("bootstrap.servers", broker.bootstrapServers());
        settings.put("schema.registry.url", registryUrl);
        settings.put("application.id", appId);
        settings.put("state.dir", dir.resolve("state").toString());
        settings.put("processing.guarantee", StreamsConfig.EXACTLY_ONCE_V2);
        settings.put(StreamsConfig.TRANSACTIONAL_STATE_STORES_CONFIG, Boolean.toString(transactionalStores));
        settings.put("tokenwatch.dimensions", "task");
        settings.put("tokenwatch.http.port", Integer.toString(port));
        Path file = dir.resolve("tokenwatch.properties");
        try (Writer out = Files.newBufferedWriter(file)) {
            settings.store(out, "crash recovery benchmark");
        }
        String label = transactionalStores ? "transactional state stores" : "state stores as before";
        Process app = start(file, dir.resolve("first.log"));
        try {
            double built = BenchSupport.awaitDrained(broker, appId, System.nanoTime(), "building state (" + label + ")");
            System.out.printf("State built in %.1f s (%s); killing the app with -9%n", built, label);
        } finally {
            app.destroyForcibly().waitFor();
        }
        long restart = System.nanoTime();
        Process again = start(file, dir.resolve("again.log"));
        try {
            awaitReady(port, again);
            double seconds = (System.nanoTime() - restart) / 1e9;
            System.out.printf("Restarted on the same state dir (%s): ready after %.1f s%n", label, seconds);
            return seconds;
        } finally {
            again.destroy();
            again.waitFor();
        }
    }

    private static Process start(Path properties, Path log) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new ProcessBuilder(java, "-Xmx768m", "-cp", System.getProperty("java.class.path"), "io.tokenwatch.streams.cli.TokenwatchCli", "run",
                "--config", properties.toString()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    private static void awaitReady(int port, Process app) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        HttpRequest ready = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health/ready")).build();
        while (true) {
            if (!app.isAlive()) {
                throw new IllegalStateException("the app exited with " + app.exitValue());
            }
            try {
                if (http.send(ready, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (IOException notListeningYet) {
                // starting
            }
            Thread.sleep(100);
        }
    }
}
