package io.tokenwatch.streams.support;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

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

    /** A meter's value on a process's {@code /metrics}: {@code name} with its labels, as Prometheus prints it. */
    public static double metric(int port, String name) throws IOException, InterruptedException {
        String body = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        return body.lines().filter(l -> l.startsWith(name + " ")).mapToDouble(l -> Double.parseDouble(l.substring(name.length() + 1)))
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
