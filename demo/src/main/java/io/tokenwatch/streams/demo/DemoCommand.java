package io.tokenwatch.streams.demo;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import io.tokenwatch.events.v1.Budget;
import io.tokenwatch.kafka.EmbeddedKafkaBroker;
import io.tokenwatch.otlp.OtlpSettings;
import io.tokenwatch.producer.TokenwatchClient;
import io.tokenwatch.registry.MockSchemaRegistry;
import io.tokenwatch.registry.SchemaRegistryRoutes;
import io.tokenwatch.runtime.CannotStartException;
import io.tokenwatch.runtime.config.TokenwatchConfig;
import io.tokenwatch.runtime.http.HttpEndpoint;
import io.tokenwatch.runtime.http.HttpPort;
import io.tokenwatch.streams.api.LocalGroupStore;
import io.tokenwatch.streams.app.BudgetTopic;
import io.tokenwatch.streams.app.ConsumerGroupLag;
import io.tokenwatch.streams.app.TokenwatchApp;
import io.tokenwatch.streams.app.TokenwatchHttpServer;
import io.tokenwatch.streams.cli.ProgressLine;
import io.tokenwatch.streams.config.PipelineSettings;
import io.tokenwatch.streams.reconcile.Reconciler;
import io.tokenwatch.streams.report.FootprintReport;
import io.tokenwatch.streams.report.ReportFormatter;
import io.tokenwatch.streams.report.StatsTopicReader;
import org.apache.kafka.clients.admin.Admin;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.jar.Manifest;

/**
 * The embedded default: a real Kafka broker in this JVM, the in-process schema registry, the
 * topology, and a modelled workload through producer-lib — 7 days of history, then live traffic
 * with injected incidents — ending with a scorecard of what was detected.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Run Tokenwatch end to end on an embedded Kafka broker with a synthetic workload and injected incidents.")
public final class DemoCommand implements Callable<Integer> {
    private static final String APP_ID = "tokenwatch-demo";
    /** The in-process registry the demo's own clients use; {@link SchemaRegistryRoutes} serve it to other processes. */
    private static final String REGISTRY = "mock://tokenwatch-demo";

    @Mixin
    WorkloadOptions workload;

    @Option(names = "--first-incident-after", defaultValue = "5s", description = "Wall time from the start of live traffic to the first incident (default: ${DEFAULT-VALUE}).")
    String firstIncidentAfter;

    @Option(names = "--incident-spacing", defaultValue = "8s", description = "Wall time between incident starts (default: ${DEFAULT-VALUE}).")
    String incidentSpacing;

    @Option(names = "--speed", defaultValue = "60", description = "Event-time seconds per wall second during live traffic (default: ${DEFAULT-VALUE}).")
    int speed;

    @Option(names = "--data-dir", description = "Keep broker and state data here (default: a temporary directory removed on exit).")
    Path dataDir;

    @Option(names = "--http-port", defaultValue = "8080", description = "Port of the dashboard, API, health and metrics; 0 for any free port (default: ${DEFAULT-VALUE}).")
    int httpPort;

    @Option(names = "--registry-port", defaultValue = "8081", description = "Port of the demo's schema registry (Confluent REST API), for the other commands to use; 0 for any free port (default: ${DEFAULT-VALUE}).")
    int registryPort;

    @Option(names = "--no-color", description = "Plain output even on a terminal.")
    boolean noColor;

    private final PrintStream out = System.out;
    private final CountDownLatch stopRequested = new CountDownLatch(1);
    private final CountDownLatch finished = new CountDownLatch(1);
    private long liveStartWallMillis;
    /** How many registrations the registry file in {@code --data-dir} holds (-1: not written by this run). */
    private int registrationsKept = -1;

    @Override
    public Integer call() throws Exception {
        long began = System.currentTimeMillis();
        // The console is for the demo's own output; the pipeline's INFO logs would drown it.
        ((Logger) LoggerFactory.getLogger("io.tokenwatch")).setLevel(Level.WARN);
        // Kafka Streams warns about a state directory under the OS temp directory: the demo's is a throwaway one on purpose.
        ((Logger) LoggerFactory.getLogger("org.apache.kafka.streams.processor.internals.StateDirectory"))
                .setLevel(Level.ERROR);
        Duration runFor = workload.runFor().orElse(null);
        Set<Incident> chosen = workload.chosenIncidents();
        Thread hook = new Thread(() -> {
            stopRequested.countDown();
            try {
                finished.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "tokenwatch-demo-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        try (Stage stage = new Stage()) {
            runDemo(stage, chosen, began, runFor);
        } finally {
            finished.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException alreadyStopping) {
                // Ctrl-C: the hook is running and waits for us
            }
        }
        return 0;
    }

    /** Everything the demo starts, closed in reverse order. */
    private final class Stage implements AutoCloseable {
        EmbeddedKafkaBroker broker;
        HttpPort registry;
        TokenwatchApp app;
        TokenwatchHttpServer http;
        TokenwatchClient client;
        AlertWatcher watcher;
        Thread watcherThread;
        Path stateDir;
        ProviderStandIns providers;
        Thread reconcilerThread;
        final CountDownLatch reconcilerStop = new CountDownLatch(1);

        @Override
        public void close() throws Exception {
            stopReconciler(this);
            if (watcher != null && watcherThread.isAlive()) {
                watcher.stop();
                watcherThread.join(10_000);
            }
            if (providers != null) {
                providers.close();
            }
            if (client != null) {
                client.close();
            }
            if (http != null) {
                http.close();
            }
            if (app != null) {
                app.close();
            }
            if (registry != null) {
                registry.close();
            }
            if (broker != null) {
                broker.close();
            }
            if (stateDir != null && dataDir == null) {
                try (var paths = Files.walk(stateDir)) {
                    paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
        }
    }

    private void runDemo(Stage stage, Set<Incident> chosen, long began, Duration runFor) throws Exception {
        Optional<Instant> resumeAt = dataDir == null ? Optional.empty() : DemoClock.resumePoint(dataDir);
        if (dataDir != null && resumeAt.isEmpty() && Files.isDirectory(dataDir.resolve("kafka"))) {
            throw new CannotStartException("--data-dir " + dataDir + " holds a demo that stopped before its history was processed;"
                    + " remove the directory to start over");
        }
        out.println(resumeAt.isPresent() ? "Tokenwatch demo: starting the embedded Kafka broker (KRaft) on the data kept in " + dataDir + " ..."
                : "Tokenwatch demo: starting an embedded Kafka broker (KRaft) ...");
        stage.registry = startRegistry();
        stage.broker = EmbeddedKafkaBroker.create(dataDir == null ? null : dataDir.resolve("kafka"), 0, Map.of()).start();
        stage.stateDir = dataDir == null ? Files.createTempDirectory("tokenwatch-demo-state") : Files.createDirectories(dataDir.resolve("state"));
        stage.providers = new ProviderStandIns();
        Map<String, String> settings = new HashMap<>();
        settings.put("bootstrap.servers", stage.broker.bootstrapServers());
        settings.put("schema.registry.url", REGISTRY);
        settings.put("application.id", APP_ID);
        settings.put("state.dir", stage.stateDir.toString());
        // The demo's busy hours give 100+ calls a window: judge a window once it has 40 (default 20) for steadier ratios.
        settings.put("tokenwatch.anomaly.min.window.calls", "40");
        // Commit once a second (exactly-once default: 100 ms): the 7-day catch-up runs about 20% faster with larger
        // transactions, and a second more before an alert is readable is nothing next to the 40-call guard.
        settings.put("commit.interval.ms", "1000");
        // Reconciliation against the providers' stand-ins, in event time: an event hour passes in a wall minute, so an hour is
        // reconciled 5 event minutes after its end, and new ones are looked for every 2 s.
        settings.put("tokenwatch.reconcile.anthropic.base.url", stage.providers.baseUrl());
        settings.put("tokenwatch.reconcile.openai.base.url", stage.providers.baseUrl());
        settings.put("tokenwatch.reconcile.settle", "PT5M");
        settings.put("tokenwatch.reconcile.lookback", "PT4H");
        settings.put("tokenwatch.reconcile.interval", "PT2S");
        // The demo listens on loopback only and has no secrets to keep: its OTLP intake takes spans without a token, by choice.
        settings.put(OtlpSettings.ALLOW_UNAUTHENTICATED, "true");
        TokenwatchConfig config = TokenwatchConfig.load(null, Map.of(), settings);
        stage.app = TokenwatchApp.start(config);
        stage.http = new TokenwatchHttpServer(stage.app, config, httpPort);
        stage.client = TokenwatchClient.builder().bootstrapServers(stage.broker.bootstrapServers()).schemaRegistryUrl(REGISTRY)
                .spillDirectory(stage.stateDir.resolve("spill")).queueCapacity(50_000).build();
        if (!stage.app.awaitRunning(Duration.ofSeconds(60))) {
            throw new IllegalStateException("Kafka Streams did not reach RUNNING within 60 s");
        }
        out.printf(Locale.ROOT, "Broker on %s, schema registry on %s, topology RUNNING (exactly-once, dimensions %s) after %.1f s%n",
                stage.broker.bootstrapServers(), stage.registry.url(), PipelineSettings.of(config).dimensions, (System.currentTimeMillis() - began) / 1000.0);
        out.printf(Locale.ROOT, "Dashboard: http://localhost:%d/  (API /api/groups, /api/outliers, /api/alerts, /api/budgets; /metrics; OTLP/HTTP traces in at /v1/traces)%n", stage.http.port());

        Scorecard scorecard = new Scorecard();
        // A restarted demo has no billing record of the hours before it: it does not reconcile, so the untracked spend is not scored.
        Incident.scoredWith(chosen).stream().filter(i -> i != Incident.UNTRACKED_SPEND || resumeAt.isEmpty()).forEach(scorecard::planned);
        stage.watcher = new AlertWatcher(config, scorecard, out, System.console() != null && !noColor);
        stage.watcher.subscribe();
        stage.watcherThread = new Thread(stage.watcher, "tokenwatch-demo-alerts");
        stage.watcherThread.start();

        Instant liveStartEvent = resumeAt.orElseGet(DemoCommand::eventEpoch);
        TrafficWriter traffic = new TrafficWriter(stage.client, workload.seed, resumeAt.orElse(liveStartEvent.minus(Duration.ofDays(7))),
                stage.providers.billing());
        boolean untracked = chosen.contains(Incident.UNTRACKED_SPEND) && resumeAt.isEmpty();
        Instant untrackedFrom = liveStartEvent.minus(UNTRACKED_BEFORE_LIVE);
        if (resumeAt.isEmpty()) {
            ProgressLine history = new ProgressLine(new PrintWriter(out), System.console() != null, "history");
            traffic.history(Duration.ofDays(7), (done, hours, calls) -> history.update(done, hours,
                    String.format(Locale.ROOT, "%,d calls, day %d/7", calls, (done - 1) / 24 + 1)),
                    hour -> untracked && !hour.isBefore(untrackedFrom) ? EnumSet.of(Incident.UNTRACKED_SPEND) : Set.of());
            history.finish();
        }
        awaitCaughtUp(stage);
        if (resumeAt.isEmpty()) {
            Map<String, Budget> budgets = DemoBudgets.daily(new LocalGroupStore(stage.app.streams(), config).groups(), Instant.now());
            BudgetTopic.write(config, budgets);
            out.printf(Locale.ROOT, "Budgets set: a daily budget on each of the %d tasks, 1.6 x its last day's spend (%s)%n", budgets.size(),
                    budgets.values().stream().filter(b -> b.getGroup().equals(Incident.SPEND_SPIKE.task)).findFirst()
                            .map(b -> String.format(Locale.ROOT, "%s: $%,.2f", b.getGroup(), b.getAmountUsd())).orElse("none"));
        }
        if (resumeAt.isEmpty()) {
            startReconciler(stage, config, traffic, untracked ? scorecard : null, untrackedFrom);
        }
        keep(traffic.cursor());
        out.printf(Locale.ROOT, "%s after %.1f s; live traffic at %dx event time from %s%n", resumeAt.isPresent() ? "State restored" : "History processed",
                (System.currentTimeMillis() - began) / 1000.0, speed, liveStartEvent);
        printTryLines(stage);

        liveStartWallMillis = System.currentTimeMillis();
        runLive(stage, traffic, chosen, scorecard, liveStartEvent, began, runFor, untracked);
        keep(traffic.cursor());
        stopReconciler(stage);

        // Let the last alerts through before scoring, then stop watching: the scorecard is the last line.
        Thread.sleep(1_000);
        stage.watcher.stop();
        stage.watcherThread.join(10_000);
        out.println();
        Instant eventEnd = traffic.cursor();
        out.print(ReportFormatter.text(FootprintReport.build(StatsTopicReader.readAll(config), "task",
                eventEnd.minus(Duration.ofDays(1)), eventEnd), 5));
        out.println();
        for (Scorecard.Detection d : scorecard.detections()) {
            out.printf(Locale.ROOT, "  %-16s %s%n", d.incident().id(), d.detectedAtMillis() == null
                    ? (d.startedAtMillis() == Long.MAX_VALUE ? "not started (demo ended first)" : "NOT detected")
                    : String.format(Locale.ROOT, "detected after %.1f s by %s (%s)", d.delaySeconds().orElseThrow(), d.metric(), d.alertId()));
        }
        scorecard.falseAlerts().forEach(a -> out.printf("  false alert: %s=%s %s (%s)%n", a.getDimension(), a.getGroup(), a.getMetric(), a.getAlertId()));
        if (dataDir != null) {
            out.println("Kept in " + dataDir + ": the same demo command with --data-dir " + dataDir + " continues from event time "
                    + traffic.cursor().truncatedTo(ChronoUnit.SECONDS));
        }
        out.println(scorecard.summaryLine());
    }

    /** How long before live traffic the untracked-spend incident begins: its hours have settled by the first reconciliation. */
    static final Duration UNTRACKED_BEFORE_LIVE = Duration.ofHours(3);

    /**
     * Reconciles against the providers' stand-ins in the background, on the demo's event time: a fresh demo only
     * (a restarted one has no billing record of the hours before it). The untracked spend, if injected, is
     * scored from the moment the reconciler starts.
     */
    private void startReconciler(Stage stage, TokenwatchConfig config, TrafficWriter traffic, Scorecard scorecard, Instant untrackedFrom) {
        Clock eventTime = new Clock() {
            @Override
            public ZoneId getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                return traffic.cursor();
            }
        };
        Reconciler reconciler = Reconciler.forKeys(config, Optional.of("demo-admin-key"), Optional.of("demo-admin-key"), eventTime).orElseThrow();
        if (scorecard != null) {
            scorecard.started(Incident.UNTRACKED_SPEND, System.currentTimeMillis(), untrackedFrom);
            out.printf(Locale.ROOT, ">>> incident running since %s: untracked-spend, a batch job calling %s around producer-lib%n",
                    untrackedFrom, Incident.UNTRACKED_MODEL);
        }
        stage.reconcilerThread = new Thread(() -> {
            try (reconciler) {
                reconciler.runUntil(stage.reconcilerStop);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "tokenwatch-demo-reconcile");
        stage.reconcilerThread.setDaemon(true);
        stage.reconcilerThread.start();
    }

    /** Stops reconciling (its pass in progress finishes), so no alert of it comes after the scorecard. */
    private static void stopReconciler(Stage stage) throws InterruptedException {
        if (stage.reconcilerThread != null) {
            stage.reconcilerStop.countDown();
            stage.reconcilerThread.join(30_000);
        }
    }

    /** The demo's registry over HTTP, so commands in other processes read and write the same schemas. */
    private HttpPort startRegistry() throws IOException {
        if (dataDir != null) {
            DemoRegistryFile.load(dataDir, registry());
        }
        return new HttpPort(HttpEndpoint.plain("127.0.0.1", registryPort)).route("/", 1024 * 1024, new SchemaRegistryRoutes(registry()))
                .start("with --registry-port");
    }

    private static MockSchemaRegistry registry() {
        return MockSchemaRegistry.forScope(REGISTRY.substring("mock://".length()));
    }

    /**
     * What a restart on {@code --data-dir} needs besides the broker's and the state's own files: the
     * event time reached (every call) and the registry (only when it gained a schema: registrations only grow).
     */
    private void keep(Instant eventTimeReached) throws IOException {
        if (dataDir != null) {
            DemoClock.save(dataDir, eventTimeReached);
            int registrations = registry().registrations().size();
            if (registrations != registrationsKept) {
                DemoRegistryFile.save(dataDir, registry());
                registrationsKept = registrations;
            }
        }
    }

    /**
     * Writes the demo's connection settings to a properties file and prints the other commands with
     * it. {@code generate} writes to topics of its own: its events are dated by the wall clock, hours
     * ahead of the demo's fast-forwarded event time, and would make the demo's own traffic late.
     */
    private void printTryLines(Stage stage) throws IOException {
        Path file = (dataDir != null ? dataDir : stage.stateDir).resolve("tokenwatch-demo.properties");
        Files.writeString(file, "# Written by the Tokenwatch demo: its embedded broker and schema registry, for the other commands.\n"
                + "bootstrap.servers=" + stage.broker.bootstrapServers() + "\n"
                + "schema.registry.url=" + stage.registry.url() + "\n");
        String jar = "java -jar " + launcher();
        out.println("Try the other commands against this demo, from another terminal:");
        out.println("  " + jar + " report --config " + file + " --period P7D");
        out.println("  " + jar + " notify-slack --config " + file + " --dry-run");
        out.println("  " + jar + " budget list --config " + file);
        out.println("  " + jar + " generate --config " + file + " --history 0s --duration 30s " + GENERATE_OWN_TOPICS);
    }

    static final String GENERATE_OWN_TOPICS = "--set tokenwatch.topic.calls=try.calls.v1 --set tokenwatch.topic.outcomes=try.outcomes.v1";

    /**
     * The runnable jar this runs from (one with a Main-Class, i.e. the assembled tokenwatch.jar), relative to the
     * working directory when it is below it; the README's build output when run from classes or a module's jar (tests, an IDE).
     */
    private static String launcher() {
        String built = "streams-app/target/tokenwatch.jar";
        try {
            Path jar = Path.of(DemoCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            if (!jar.toString().endsWith(".jar")) {
                return built;
            }
            try (JarFile file = new JarFile(jar.toFile())) {
                Manifest manifest = file.getManifest();
                if (manifest == null || manifest.getMainAttributes().getValue("Main-Class") == null) {
                    return built;
                }
            }
            Path cwd = Path.of("").toAbsolutePath();
            return jar.startsWith(cwd) ? cwd.relativize(jar).toString() : jar.toString();
        } catch (URISyntaxException | IOException | SecurityException e) {
            return built;
        }
    }

    /** The last 10:00 UTC at least 3 hours ago: live traffic starts in busy hours and never runs ahead of the broker's clock. */
    static Instant eventEpoch() {
        ZonedDateTime candidate = ZonedDateTime.now(ZoneOffset.UTC).minusHours(3).truncatedTo(ChronoUnit.DAYS).withHour(10);
        if (candidate.toInstant().isAfter(Instant.now().minus(Duration.ofHours(3)))) {
            candidate = candidate.minusDays(1);
        }
        return candidate.toInstant();
    }

    /** Waits until the app has processed the history: every input record and what it led to downstream. */
    private void awaitCaughtUp(Stage stage) throws Exception {
        try (Admin admin = stage.broker.admin()) {
            long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
            while (stage.client.queued() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            ProgressLine processing = new ProgressLine(new PrintWriter(out), System.console() != null, "processing");
            boolean drained = ConsumerGroupLag.awaitDrained(admin, APP_ID, deadline - System.nanoTime(), lag -> processing.update(
                    lag.consumed(), lag.end(), String.format(Locale.ROOT, "%,d / %,d records (input and repartition)", lag.consumed(), lag.end())));
            processing.finish();
            if (!drained) {
                throw new IllegalStateException("The topology did not catch up with the history in 5 minutes");
            }
        }
    }

    private void runLive(Stage stage, TrafficWriter traffic, Set<Incident> chosen, Scorecard scorecard, Instant liveStartEvent,
                         long began, Duration runFor, boolean untracked) throws InterruptedException, IOException {
        long liveStartWall = liveStartWallMillis;
        List<Incident> schedule = new ArrayList<>(chosen.stream().filter(Incident::live).toList());
        long firstAfter = parseDuration("--first-incident-after", firstIncidentAfter).toMillis();
        long spacing = parseDuration("--incident-spacing", incidentSpacing).toMillis();
        EnumSet<Incident> active = untracked ? EnumSet.of(Incident.UNTRACKED_SPEND) : EnumSet.noneOf(Incident.class);
        long nextFootprint = liveStartWall + 20_000;
        long nextClockSave = liveStartWall;
        boolean realTime = false;
        while (!stopRequested.await(100, TimeUnit.MILLISECONDS)) {
            long now = System.currentTimeMillis();
            if (runFor != null && now - began >= runFor.toMillis()) {
                break;
            }
            for (int i = 0; i < schedule.size(); i++) {
                Incident incident = schedule.get(i);
                if (!active.contains(incident) && now - liveStartWall >= firstAfter + i * spacing) {
                    active.add(incident);
                    scorecard.started(incident, now, traffic.cursor());
                    out.printf(Locale.ROOT, ">>> incident started: %s on task %s (event time %s)%n", incident.id(), incident.task,
                            traffic.cursor().truncatedTo(ChronoUnit.SECONDS));
                }
            }
            Instant fastForward = liveStartEvent.plusMillis((now - liveStartWall) * speed);
            if (!realTime && !fastForward.isBefore(Instant.ofEpochMilli(now))) {
                realTime = true;
                out.println("Live traffic has caught up with the wall clock; it goes on in real time (the broker refuses events from the future).");
            }
            traffic.advanceTo(realTime ? Instant.ofEpochMilli(Math.max(now, traffic.cursor().toEpochMilli())) : fastForward, active);
            if (now >= nextFootprint) {
                stage.watcher.printFootprint();
                nextFootprint = now + 20_000;
            }
            if (now >= nextClockSave) {
                // Kept every few seconds: after a kill -9 a restart resumes at most this far back, well inside the window grace.
                keep(traffic.cursor());
                nextClockSave = now + 2_000;
            }
        }
    }

    static Duration parseDuration(String option, String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        try {
            if (t.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
            }
            long n = Long.parseLong(t.substring(0, t.length() - 1));
            return switch (t.charAt(t.length() - 1)) {
                case 's' -> Duration.ofSeconds(n);
                case 'm' -> Duration.ofMinutes(n);
                case 'h' -> Duration.ofHours(n);
                default -> throw new NumberFormatException();
            };
        } catch (RuntimeException e) {
            throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(new DemoCommand()),
                    option + ": expected a duration such as 120s, 5m or 1h, got '" + text + "'");
        }
    }

    static Set<Incident> parseIncidents(String text) {
        if (text.equalsIgnoreCase("all")) {
            return EnumSet.copyOf(Arrays.stream(Incident.values()).filter(i -> i.injectedBy() == i).toList());
        }
        EnumSet<Incident> set = EnumSet.noneOf(Incident.class);
        if (text.equalsIgnoreCase("none")) {
            return set;
        }
        for (String id : text.split(",")) {
            Incident incident;
            try {
                incident = Incident.fromId(id);
            } catch (IllegalArgumentException e) {
                throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(new DemoCommand()),
                        "--incidents: unknown incident '" + id.trim() + "'");
            }
            if (incident.injectedBy() != incident) {
                throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(new DemoCommand()), "--incidents: " + incident.id()
                        + " is not injected on its own; it comes with " + incident.injectedBy().id());
            }
            set.add(incident);
        }
        return set;
    }
}
