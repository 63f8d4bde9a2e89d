package io.tokenwatch.streams.cli;

import io.tokenwatch.streams.app.HealthServer;
import io.tokenwatch.streams.app.TokenwatchApp;
import io.tokenwatch.streams.config.TokenwatchConfig;
import org.apache.kafka.common.config.ConfigException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/** Runs the topology against an existing Kafka cluster until SIGTERM / Ctrl-C. */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Run the anomaly topology against an existing Kafka cluster and Schema Registry.")
public final class RunCommand implements Callable<Integer> {
    @Option(names = {"-c", "--config"}, description = "Properties file (Kafka Streams, serde and tokenwatch.* keys).")
    Path configFile;

    @Option(names = {"-s", "--set"}, description = "Override one setting, e.g. --set tokenwatch.anomaly.threshold=0.5 (repeatable).")
    Map<String, String> overrides = new LinkedHashMap<>();

    @Override
    public Integer call() throws Exception {
        TokenwatchConfig config;
        try {
            config = TokenwatchConfig.load(configFile, System.getenv(), overrides);
        } catch (ConfigException e) {
            System.err.println("Invalid configuration: " + e.getMessage());
            return 2;
        }
        TokenwatchApp app = TokenwatchApp.start(config);
        HealthServer http = new HealthServer(app.streams(), config.httpPort);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            app.close();
            http.close();
        }, "tokenwatch-shutdown"));
        app.awaitStopped();
        return app.failed() ? 1 : 0;
    }
}
