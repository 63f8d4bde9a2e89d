package io.tokenwatch.streams.reconcile;

import io.tokenwatch.runtime.CannotStartException;
import io.tokenwatch.runtime.config.ConfigOptions;
import io.tokenwatch.runtime.config.TokenwatchConfig;
import io.tokenwatch.runtime.http.HttpPort;
import io.tokenwatch.runtime.kafka.Preflight;
import org.apache.kafka.common.KafkaException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** {@code reconcile}: the providers' usage reports against what reached Tokenwatch, hour by hour. */
@Command(name = "reconcile", mixinStandardHelpOptions = true,
        description = "Reconcile captured usage against Anthropic's and OpenAI's usage reports; alert on spend that never reached Tokenwatch.")
public final class ReconcileCommand implements Callable<Integer> {
    /** Exit code of a reconciler that a newer one fenced off. */
    static final int FENCED = 3;
    static final String ANTHROPIC_KEY_ENV = "ANTHROPIC_ADMIN_KEY";
    static final String OPENAI_KEY_ENV = "OPENAI_ADMIN_KEY";

    @Mixin
    ConfigOptions options;

    @Option(names = "--once", description = "Reconcile the settled hours of the lookback, then exit (e.g. from cron).")
    boolean once;

    @Spec
    CommandSpec spec;

    /** Where the admin keys are looked up (the process environment; tests pass their own). */
    Map<String, String> environment = System.getenv();
    private final CountDownLatch stop = new CountDownLatch(1);

    @Override
    public Integer call() throws Exception {
        TokenwatchConfig config = options.load();
        ReconcileSettings settings = ReconcileSettings.of(config);
        Optional<String> anthropicKey = key(ANTHROPIC_KEY_ENV, settings.anthropicKeyFile());
        Optional<String> openaiKey = key(OPENAI_KEY_ENV, settings.openaiKeyFile());
        if (anthropicKey.isEmpty() && openaiKey.isEmpty()) {
            throw new CannotStartException("no admin key: set " + ANTHROPIC_KEY_ENV + " or " + OPENAI_KEY_ENV
                    + " (or tokenwatch.reconcile.anthropic.key.file / tokenwatch.reconcile.openai.key.file to a mounted secret)");
        }
        Preflight.requireCluster(config, List.of(settings.topic(), config.alertsTopic));
        Optional<Reconciler> configured = Reconciler.forKeys(config, anthropicKey, openaiKey, Clock.systemUTC());
        spec.commandLine().getErr().printf("Reconciling %s against %s: hours settled %s after their end, %s back, every %s%n",
                configured.get().providers(), config.callsTopic, settings.settle(), settings.lookback(), settings.interval());
        try (Reconciler reconciler = configured.get()) {
            if (once) {
                Reconciler.Pass pass;
                try {
                    pass = reconciler.runOnce();
                } catch (IOException | KafkaException e) { // what a failed pass of the long-running command logs and retries
                    spec.commandLine().getErr().println("Reconciliation failed: " + e.getMessage());
                    return 1;
                }
                spec.commandLine().getOut().printf("Reconciled %d hour(s): %d record(s) to %s, %d alert update(s) to %s%n", pass.hours(), pass.records(),
                        settings.topic(), pass.alerts(), config.alertsTopic);
                return 0;
            }
            Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown, "tokenwatch-reconcile-stop"));
            try (HttpPort http = reconciler.serveHealthAndMetrics(config.httpPort)) {
                reconciler.runUntil(stop);
            }
        } catch (ReconcilerFencedException e) {
            spec.commandLine().getErr().println("Stopped: " + e.getMessage() + " (run one reconciler per transactional.id)");
            return FENCED;
        }
        return 0;
    }

    /** A key from its file when one is configured, else from the environment; never logged. */
    private Optional<String> key(String env, Optional<Path> file) throws IOException {
        if (file.isPresent()) {
            return Optional.of(Files.readString(file.get()).trim()).filter(k -> !k.isEmpty());
        }
        return Optional.ofNullable(environment.get(env)).map(String::trim).filter(k -> !k.isEmpty());
    }
}
