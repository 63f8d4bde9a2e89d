package io.tokenwatch.streams.app;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tokenwatch.otlp.OtlpSettings;
import io.tokenwatch.otlp.OtlpTopicIntake;
import io.tokenwatch.runtime.config.TokenwatchConfig;
import io.tokenwatch.runtime.http.ProcessMetrics;
import io.tokenwatch.runtime.kafka.Preflight;
import io.tokenwatch.runtime.kafka.TopicSetup;
import io.tokenwatch.streams.config.PipelineSettings;
import io.tokenwatch.streams.errors.DeadLetterHandler;
import io.tokenwatch.streams.ordering.BrokerEndOffsets;
import io.tokenwatch.streams.topology.PipelineMetrics;
import io.tokenwatch.streams.topology.TokenwatchTopology;
import io.tokenwatch.streams.topology.Topics;
import io.tokenwatch.streams.topology.TopologySettings;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CountDownLatch;

/** The running pipeline: creates missing topics, starts Kafka Streams, and closes it cleanly. */
public final class TokenwatchApp implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TokenwatchApp.class);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(30);

    private final KafkaStreams streams;
    private final PrometheusMeterRegistry meterRegistry;
    private final BrokerEndOffsets endOffsets;
    private final boolean staticMember;
    private final CountDownLatch stopped = new CountDownLatch(1);
    /** The OTLP Kafka input, when {@code tokenwatch.otlp.topic} is set. */
    private Optional<OtlpTopicIntake> otlpIntake = Optional.empty();

    private TokenwatchApp(KafkaStreams streams, PrometheusMeterRegistry meterRegistry, BrokerEndOffsets endOffsets, boolean staticMember) {
        this.streams = streams;
        this.meterRegistry = meterRegistry;
        this.endOffsets = endOffsets;
        this.staticMember = staticMember;
    }

    public static TokenwatchApp start(TokenwatchConfig config) {
        PipelineSettings pipeline = PipelineSettings.of(config);
        OtlpSettings otlp = OtlpSettings.of(config);
        Admin admin = Preflight.reachableAdmin(config);
        int inputPartitions;
        try {
            TopicSetup.ensureTopics(admin, config);
            otlp.topic().ifPresent(topic -> TopicSetup.ensure(admin, config, List.of(topic), Set.of()));
            inputPartitions = TopicSetup.inputPartitions(admin, config);
            Preflight.requireRegistry(config);
        } catch (RuntimeException e) {
            admin.close();
            throw e;
        }
        TopologySettings settings = pipeline.topology();
        Topics topics = Topics.of(settings);
        PrometheusMeterRegistry registry = ProcessMetrics.registry("run");
        // The same admin client goes on asking for the inputs' end offsets (and is closed with them).
        BrokerEndOffsets lag = new BrokerEndOffsets(admin, config.kafkaProperties().get(StreamsConfig.APPLICATION_ID_CONFIG),
                List.of(config.callsTopic, config.outcomesTopic), inputPartitions);
        PipelineMetrics metrics = new PipelineMetrics(registry);
        Properties streamsProps = new Properties();
        streamsProps.putAll(settings.streams());
        streamsProps.put(DeadLetterHandler.COUNTS_CONFIG, metrics.deadLetters());
        KafkaStreams streams = new KafkaStreams(TokenwatchTopology.build(settings, topics, metrics, inputPartitions, lag), streamsProps);
        TokenwatchApp app = new TokenwatchApp(streams, registry, lag, config.kafkaProperties().containsKey("group.instance.id"));
        streams.setStateListener((now, before) -> {
            LOG.info("Kafka Streams {} -> {}", before, now);
            if (now == KafkaStreams.State.NOT_RUNNING || now == KafkaStreams.State.ERROR) {
                app.stopped.countDown();
            }
        });
        streams.setUncaughtExceptionHandler(e -> {
            // Bad records never get here (they go to the dead-letter topic); this is a bug or a broken cluster.
            LOG.error("Fatal error in a stream thread; shutting Tokenwatch down", e);
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        });
        LOG.info("Starting Tokenwatch: calls from {}, outcomes from {}, dimensions {}, threshold {}, guarantee {}",
                config.callsTopic, config.outcomesTopic, pipeline.dimensions, pipeline.threshold,
                config.kafkaProperties().get("processing.guarantee"));
        streams.start();
        if (otlp.topic().isPresent()) {
            app.otlpIntake = Optional.of(OtlpTopicIntake.start(config, metrics.deadLetters()));
        }
        return app;
    }

    public KafkaStreams streams() {
        return streams;
    }

    /** Where the pipeline's and Kafka Streams' metrics are registered; scraped on {@code /metrics}. */
    public PrometheusMeterRegistry meterRegistry() {
        return meterRegistry;
    }

    public boolean isRunning() {
        return streams.state() == KafkaStreams.State.RUNNING;
    }

    /** Waits until the app is RUNNING (all tasks assigned and restored). */
    public boolean awaitRunning(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!isRunning()) {
            if (System.nanoTime() > deadline || stopped.getCount() == 0) {
                return false;
            }
            Thread.sleep(50);
        }
        return true;
    }

    /** Blocks until Kafka Streams stops (closed, or a fatal error). */
    public void awaitStopped() throws InterruptedException {
        stopped.await();
    }

    public boolean failed() {
        return streams.state() == KafkaStreams.State.ERROR;
    }

    @Override
    public void close() {
        LOG.info("Stopping Tokenwatch (up to {} s to commit and close)", CLOSE_TIMEOUT.toSeconds());
        // Leave the group so a restart or another instance takes the tasks over at once instead of after
        // the session timeout; static members (group.instance.id, e.g. Kubernetes pods) keep their place.
        boolean clean = streams.close(CloseOptions.timeout(CLOSE_TIMEOUT).withGroupMembershipOperation(staticMember
                ? CloseOptions.GroupMembershipOperation.REMAIN_IN_GROUP : CloseOptions.GroupMembershipOperation.LEAVE_GROUP));
        stopped.countDown();
        otlpIntake.ifPresent(OtlpTopicIntake::close);
        endOffsets.close();
        meterRegistry.close();
        LOG.info(clean ? "Tokenwatch stopped cleanly" : "Tokenwatch did not stop within {} s", CLOSE_TIMEOUT.toSeconds());
    }

}
