package io.tokenwatch.streams.cli;

import io.tokenwatch.runtime.config.ConfigOptions;
import io.tokenwatch.runtime.config.TokenwatchConfig;
import io.tokenwatch.streams.app.TokenwatchApp;
import io.tokenwatch.streams.app.TokenwatchHttpServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.concurrent.Callable;

/** Runs the topology against an existing Kafka cluster until SIGTERM / Ctrl-C. */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Run the anomaly topology against an existing Kafka cluster and Schema Registry.")
public final class RunCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions options;

    @Override
    public Integer call() throws Exception {
        TokenwatchConfig config = options.load();
        TokenwatchHttpServer.requireSafeExposure(config);
        TokenwatchApp app = TokenwatchApp.start(config);
        TokenwatchHttpServer http;
        try {
            http = new TokenwatchHttpServer(app, config, config.httpPort);
        } catch (RuntimeException e) {
            app.close();
            throw e;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            app.close();
            http.close();
        }, "tokenwatch-shutdown"));
        app.awaitStopped();
        return app.failed() ? 1 : 0;
    }
}
