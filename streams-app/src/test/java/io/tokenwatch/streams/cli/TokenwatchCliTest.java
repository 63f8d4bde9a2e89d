package io.tokenwatch.streams.cli;

import io.tokenwatch.kafka.EmbeddedKafkaBroker;
import io.tokenwatch.streams.support.FreePort;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class TokenwatchCliTest {

    @Test
    void invalidConfigurationStopsStartUpWithExitCode2NamingTheKey() {
        StringWriter err = new StringWriter();
        CommandLine cli = TokenwatchCli.commandLine();
        cli.setErr(new PrintWriter(err));
        for (String command : new String[]{"run", "report"}) {
            int exit = cli.execute(command, "--set", "bootstrap.servers=127.0.0.1:9", "--set", "schema.registry.url=mock://cli",
                    "--set", "tokenwatch.window.size=PT7M");
            assertThat(exit).isEqualTo(2);
        }
        assertThat(err.toString()).contains("Invalid configuration: Invalid value PT7M for configuration tokenwatch.window.size");
    }

    @Test
    void aMissingConfigFileOrAMisspeltKeyIsOneLineWithExitCode2() {
        StringWriter err = new StringWriter();
        CommandLine cli = TokenwatchCli.commandLine();
        cli.setErr(new PrintWriter(err));
        assertThat(cli.execute("run", "--config", "/nonexistent/tokenwatch.properties")).isEqualTo(2);
        assertThat(cli.execute("run", "--set", "bootstrap.servers=127.0.0.1:9", "--set", "schema.registry.url=mock://cli",
                "--set", "tokenwatch.anomaly.treshold=0.5")).isEqualTo(2);
        assertThat(err.toString().lines().toList()).containsExactly(
                "Invalid configuration: Invalid value /nonexistent/tokenwatch.properties for configuration --config: no such file",
                "Invalid configuration: Invalid value 0.5 for configuration tokenwatch.anomaly.treshold: unknown setting; did you mean tokenwatch.anomaly.threshold?");
    }

    @Test
    void aKafkaThatDoesNotAnswerOrResolveStopsRunAndReportInOneLineWithin15Seconds() {
        String nobody = "127.0.0.1:" + FreePort.pick();
        for (String command : new String[]{"run", "report"}) {
            StringWriter err = new StringWriter();
            CommandLine cli = TokenwatchCli.commandLine();
            cli.setErr(new PrintWriter(err));
            for (String servers : new String[]{nobody, "kafka.does-not-resolve.invalid:9092"}) {
                long start = System.nanoTime();
                assertThat(cli.execute(command, "--set", "bootstrap.servers=" + servers, "--set", "schema.registry.url=mock://cli",
                        "--set", "tokenwatch.otlp.enabled=false"))
                        .as(command + " " + servers).isEqualTo(2);
                assertThat(Duration.ofNanos(System.nanoTime() - start)).as(command + " " + servers).isLessThan(Duration.ofSeconds(15));
            }
            List<String> lines = err.toString().lines().toList();
            assertThat(lines).as(command).hasSize(2);
            assertThat(lines.get(0)).startsWith("Cannot start: no Kafka broker answers at bootstrap.servers=" + nobody + " within 10 s (");
            assertThat(lines.get(1)).isEqualTo("Cannot start: bootstrap.servers=kafka.does-not-resolve.invalid:9092: No resolvable bootstrap urls given in bootstrap.servers");
        }
    }

    @Test
    void aRegistryThatDoesNotAnswerStopsEveryClusterCommandInOneLineWithin15Seconds() throws Exception {
        // A port held by a socket that is bound but not listening: nobody else can take it, and every connection is refused.
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.onFreePorts().start(); java.net.Socket held = new java.net.Socket()) {
            held.bind(new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0));
            // Credentials written in the URL: the message masks the password.
            String registry = "http://tokenwatch:s3cret@127.0.0.1:" + held.getLocalPort();
            for (String[] command : new String[][]{{"run"}, {"report"}, {"notify-slack", "--dry-run"}, {"generate", "--duration", "1s"}}) {
                StringWriter err = new StringWriter();
                CommandLine cli = TokenwatchCli.commandLine();
                cli.setErr(new PrintWriter(err));
                List<String> args = new java.util.ArrayList<>(List.of(command));
                args.addAll(List.of("--set", "bootstrap.servers=" + broker.bootstrapServers(), "--set", "schema.registry.url=" + registry,
                        "--set", "tokenwatch.otlp.enabled=false"));
                long start = System.nanoTime();
                assertThat(cli.execute(args.toArray(String[]::new))).as(command[0] + ": " + err).isEqualTo(2);
                assertThat(Duration.ofNanos(System.nanoTime() - start)).as(command[0]).isLessThan(Duration.ofSeconds(15));
                assertThat(err.toString().lines().toList()).as(command[0]).singleElement().asString()
                        .startsWith("Cannot start: no schema registry answers at schema.registry.url=http://tokenwatch:***@127.0.0.1:"
                                + held.getLocalPort() + " within 4 s (").doesNotContain("s3cret");
            }
        }
    }

    @Test
    void aDemoRegistryPortInUseIsOneLine() throws Exception {
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            StringWriter err = new StringWriter();
            CommandLine cli = TokenwatchCli.commandLine();
            cli.setErr(new PrintWriter(err));
            assertThat(cli.execute("demo", "--registry-port", Integer.toString(taken.getLocalPort()), "--http-port", "0")).isEqualTo(2);
            assertThat(err.toString().lines().toList()).containsExactly("Cannot start: port " + taken.getLocalPort()
                    + " is in use; choose another with --registry-port, or 0 for any free port");
        }
    }

    @Test
    void listsItsCommands() {
        StringWriter out = new StringWriter();
        CommandLine cli = TokenwatchCli.commandLine();
        cli.setOut(new PrintWriter(out));
        assertThat(cli.execute("--help")).isZero();
        List<String> listed = out.toString().lines().map(String::trim).filter(l -> !l.isEmpty()).map(l -> l.split("\\s+")[0]).toList();
        assertThat(listed).contains("run", "demo", "generate", "report", "notify-slack");
    }

    @Test
    void runRefusesToStartOpenToAnyoneUnlessTheOperatorSaysSo() {
        StringWriter err = new StringWriter();
        CommandLine cli = TokenwatchCli.commandLine();
        cli.setErr(new PrintWriter(err));
        String[] cluster = {"--set", "bootstrap.servers=127.0.0.1:9", "--set", "schema.registry.url=mock://cli"};
        assertThat(cli.execute(concat(new String[]{"run"}, cluster))).isEqualTo(2);
        assertThat(cli.execute(concat(new String[]{"run", "--set", "tokenwatch.otlp.enabled=false", "--set", "tokenwatch.http.address=0.0.0.0"}, cluster)))
                .isEqualTo(2);
        assertThat(err.toString().lines().toList()).containsExactly(
                "Cannot start: the OTLP intake (tokenwatch.otlp.enabled) has no token: set tokenwatch.otlp.token or tokenwatch.http.token, or "
                        + "tokenwatch.otlp.allow.unauthenticated=true to take spans from anyone who reaches 127.0.0.1:8080 (or tokenwatch.otlp.enabled=false)",
                "Cannot start: the API at 0.0.0.0:8080 is reachable from other hosts and has no token: set tokenwatch.http.token, or "
                        + "tokenwatch.http.allow.unauthenticated=true to serve spend data to anyone who reaches it");
    }

    private static String[] concat(String[] a, String[] b) {
        return java.util.stream.Stream.concat(java.util.Arrays.stream(a), java.util.Arrays.stream(b)).toArray(String[]::new);
    }
}
