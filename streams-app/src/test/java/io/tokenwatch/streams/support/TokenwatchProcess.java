package io.tokenwatch.streams.support;

import io.tokenwatch.otlp.OtlpSettings;
import io.tokenwatch.runtime.config.CoreSettings;
import io.tokenwatch.runtime.config.TokenwatchConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** A {@code tokenwatch} command in its own JVM (capped heap, output to a log), so a test can kill it with -9. */
public final class TokenwatchProcess {
    private TokenwatchProcess() {
    }

    public static Process start(List<String> arguments, Map<String, String> environment, Path log) throws IOException {
        return start("-Xmx384m", arguments, environment, log);
    }

    /** As {@link #start(List, Map, Path)}, with the JVM's maximum heap ({@code -Xmx...}) given. */
    public static Process start(String maxHeap, List<String> arguments, Map<String, String> environment, Path log) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java, maxHeap, "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
                "io.tokenwatch.streams.cli.TokenwatchCli"));
        command.addAll(arguments);
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().putAll(environment);
        return builder.start();
    }

    /** The settings of one instance of the app under test, on a single-broker cluster; a mutable map for the test to add to. */
    public static Map<String, String> instanceSettings(String bootstrapServers, String registryUrl, String applicationId, Path stateDir,
                                                       int partitions, int httpPort) {
        Map<String, String> settings = new HashMap<>();
        settings.put("bootstrap.servers", bootstrapServers);
        settings.put("schema.registry.url", registryUrl);
        settings.put("application.id", applicationId);
        settings.put("state.dir", stateDir.toString());
        settings.put("tokenwatch.topics.partitions", Integer.toString(partitions));
        settings.put("tokenwatch.http.port", Integer.toString(httpPort));
        settings.put("replication.factor", "1");
        // These instances take their input from Kafka; the OTLP intake would need a token (OtlpReceiverIT tests it).
        settings.put("tokenwatch.otlp.enabled", "false");
        return settings;
    }

    /** Waits until the process answers 200 on {@code /health/ready} at {@code port}; fails at once, with its log, if it exits. */
    public static void awaitReady(int port, Process process, Path log) {
        HttpClient http = HttpClient.newHttpClient();
        await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(100)).ignoreExceptionsInstanceOf(IOException.class)
                .failFast("the instance exited", () -> assertThat(process.isAlive()).as(() -> tail(log)).isTrue())
                .until(() -> http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health/ready")).build(),
                        HttpResponse.BodyHandlers.ofString()).statusCode() == 200);
    }

    /**
     * A properties file for {@code run --config}: the Kafka and serde settings of {@code config}, its HTTP port,
     * and the {@code tokenwatch.*} settings given (which {@link TokenwatchConfig#kafkaProperties()} leaves out).
     */
    public static Path writeProperties(Path file, TokenwatchConfig config, Map<String, String> tokenwatchSettings) throws IOException {
        Properties props = new Properties();
        props.putAll(config.kafkaProperties());
        props.put("tokenwatch.http.port", Integer.toString(config.httpPort));
        // What run's secure defaults look at goes along: without it, run would refuse to start with the OTLP intake and no token.
        props.put(OtlpSettings.ENABLED, Boolean.toString(OtlpSettings.of(config).enabled()));
        config.httpToken.ifPresent(token -> props.put(CoreSettings.HTTP_TOKEN, token));
        props.putAll(tokenwatchSettings);
        try (var out = Files.newBufferedWriter(file)) {
            props.store(out, "an instance under test");
        }
        return file;
    }

    /** A read-committed consumer of every partition of {@code topics}, from their beginning. */
    public static KafkaConsumer<String, byte[]> readFromStart(String bootstrapServers, List<String> topics) {
        KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed", ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000),
                new StringDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> partitions = new ArrayList<>();
        for (String topic : topics) {
            consumer.partitionsFor(topic).forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
        }
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        return consumer;
    }

    /** A meter's value on a process's {@code /metrics}: {@code name} with its labels, as Prometheus prints it. */
    public static double metric(int port, String name) throws IOException, InterruptedException {
        String body = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        // name{label="value",...}: the line of that meter carrying those labels (besides the process's application tag).
        int brace = name.indexOf('{');
        String meter = brace < 0 ? name : name.substring(0, brace);
        List<String> labels = brace < 0 ? List.of() : List.of(name.substring(brace + 1, name.length() - 1).split(","));
        return body.lines().filter(l -> l.startsWith(meter + "{") || l.startsWith(meter + " ")).filter(l -> labels.stream().allMatch(l::contains))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                .findFirst().orElseThrow(() -> new AssertionError(name + " not on /metrics"));
    }

    /** The last 30 lines of a log, for an assertion's message. */
    public static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }
}
