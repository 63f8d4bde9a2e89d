package io.tokenwatch.producer;

import io.tokenwatch.events.v1.CallOutcome;
import io.tokenwatch.events.v1.LlmCall;
import io.tokenwatch.events.v1.Outcome;
import io.tokenwatch.serde.AvroBinary;
import io.tokenwatch.serde.KafkaAvroSerializer;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Reports LLM calls and their outcomes to Kafka, without ever slowing down or breaking the service
 * that calls it.
 *
 * <pre>{@code
 * try (TokenwatchClient tokenwatch = TokenwatchClient.builder()
 *         .bootstrapServers("kafka:9092").schemaRegistryUrl("http://registry:8081")
 *         .defaults(Attribution.NONE.withTeam("platform").withFeature("pr-bot").withEnvironment("prod"))
 *         .build()) {
 *     String callId = tokenwatch.recordCall(CallReport.of("code-review", UsageAdapters.anthropic(responseJson)).timedBy(timer));
 *     tokenwatch.recordOutcome(callId, Outcome.ACCEPTED, "reviewer", "PR-42");
 * }
 * }</pre>
 *
 * <p>How it stays harmless: {@code record…} validates, prices and builds the event on the caller's
 * thread (microseconds) and puts it on a bounded queue; one background thread serializes it (schema
 * registry included) and hands it to an idempotent {@code acks=all} producer. When the queue is full
 * or Kafka fails, events go to a local append-only spill file and are replayed when the broker is
 * back. Only an event that cannot be spilled either (no spill directory, file full) is dropped —
 * counted and logged. Thread-safe.
 */
public final class TokenwatchClient implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TokenwatchClient.class);
    private static final byte KIND_CALL = 'C';
    private static final byte KIND_OUTCOME = 'O';
    private static final AvroBinary<LlmCall> CALL_CODEC = new AvroBinary<>(LlmCall.class);
    private static final AvroBinary<CallOutcome> OUTCOME_CODEC = new AvroBinary<>(CallOutcome.class);

    private final Builder config;
    private final CallEvents events;
    private final Map<String, Object> producerProps = new HashMap<>();
    /** Null until Kafka's client could be created (an unresolvable bootstrap host stops it): retried each replay interval. */
    private volatile Producer<String, Object> producer;
    private long lastProducerAttemptNanos;
    private final BlockingQueue<SpecificRecord> queue;
    private final SpillDirectory spillDirectory;
    private final SpillFile spill;
    private final ProducerCounters counters = new ProducerCounters();
    private final Thread sender;
    private final AtomicInteger replaysInFlight = new AtomicInteger();
    private volatile boolean running = true;
    private volatile long lastSuccessNanos;
    private volatile long lastFailureNanos;
    /** When an event was last lost (Kafka failing and no room to spill), and last spilled. */
    private volatile long lastLossNanos;
    private volatile long lastSpillNanos;
    private long lastReplayAttemptNanos;

    private TokenwatchClient(Builder config) {
        this.config = config;
        this.events = new CallEvents(config.catalog, config.defaultTask, config.defaults, config.clock);
        this.queue = new ArrayBlockingQueue<>(config.queueCapacity);
        this.spillDirectory = openSpillDirectory(config.spillDirectory);
        SpillFile file = null;
        if (spillDirectory != null) {
            try {
                file = new SpillFile(spillDirectory.path(), config.maxSpillBytes);
            } catch (IOException e) {
                LOG.warn("Cannot open the spill file in {} ({}): events Kafka does not take are dropped and counted", spillDirectory.path(), e.toString());
            }
        }
        this.spill = file;
        Map<String, Object> props = producerProps;
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        props.put(ProducerConfig.LINGER_MS_CONFIG, 20);
        props.put(ProducerConfig.BUFFER_MEMORY_CONFIG, 32L * 1024 * 1024);
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 5_000);
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000);
        props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, KafkaAvroSerializer.class.getName());
        props.put("schema.registry.url", config.schemaRegistryUrl);
        props.putAll(config.producerOverrides);
        producer();
        this.sender = new Thread(this::sendLoop, "tokenwatch-sender");
        this.sender.setDaemon(true);
        this.sender.start();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A new session: its id, and call_seq numbers for the calls reported with it. */
    public AgentSession newSession() {
        return AgentSession.start();
    }

    /**
     * Reports a call and returns its call id (generated unless the report set one). Returns at once.
     *
     * @throws InvalidEventException on impossible values, unless the client is lenient (then counted and dropped)
     */
    public String recordCall(CallReport report) {
        String callId = report.callId != null ? report.callId : UUID.randomUUID().toString();
        LlmCall call;
        try {
            call = events.call(callId, report);
        } catch (InvalidEventException e) {
            return reject(e, callId);
        }
        if (!call.getPriced()) {
            counters.unpriced.incrementAndGet();
        }
        enqueue(call);
        return callId;
    }

    /** Reports the outcome of a call, decided now. Returns at once. */
    public void recordOutcome(String callId, Outcome outcome, String decidedBy, String artifact) {
        recordOutcome(callId, outcome, decidedBy, artifact, config.clock.instant());
    }

    /** Reports the outcome of a call, decided at {@code decidedAt} (e.g. when back-filling). Returns at once. */
    public void recordOutcome(String callId, Outcome outcome, String decidedBy, String artifact, Instant decidedAt) {
        if (callId == null || callId.isBlank() || outcome == null || decidedAt == null) {
            reject(new InvalidEventException("An outcome needs a call id, an outcome and a time (got " + callId + ", " + outcome + ")"), callId);
            return;
        }
        enqueue(CallOutcome.newBuilder().setCallId(callId).setOutcome(outcome).setDecidedAt(decidedAt)
                .setDecidedBy(decidedBy).setArtifact(artifact).build());
    }

    /** How many events may wait to be sent before further ones are spilled (or dropped): {@code queueCapacity} of the builder. */
    public int queueCapacity() {
        return config.queueCapacity;
    }

    /** Events accepted by {@code record…} but not yet sent, spilled or dropped. */
    public int queued() {
        return queue.size() + inHand;
    }

    /**
     * Waits until every event recorded so far has been sent (acknowledged by Kafka), spilled or
     * dropped, at most {@code timeout}; true if it got there. Never needed on a request path: it is
     * for batch writers such as back-fills, which call it between slices so that calls and outcomes
     * reach Kafka in step (the producer would otherwise let one topic's backlog run ahead of the other's).
     */
    public boolean flush(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        long target = enqueued.get();
        while (handedOff < target) {
            if (System.nanoTime() >= deadline) {
                return false;
            }
            Thread.sleep(1);
        }
        Producer<String, Object> current = producer;
        if (current != null) {
            current.flush();
        }
        return true;
    }

    /**
     * False while events given now would be lost: the last one handed over could neither reach Kafka nor
     * be spilled, and nothing has been sent or spilled since. An intake that can push back (the OTLP
     * receiver answers 503) should, rather than accept what it would lose. True again after a replay
     * interval, so that the next event probes whether Kafka or the disk are back.
     */
    public boolean canRecord() {
        long loss = lastLossNanos;
        return loss == 0 || loss - Math.max(lastSuccessNanos, lastSpillNanos) < 0 || System.nanoTime() - loss > config.replayInterval.toNanos();
    }

    /**
     * Removes a spill directory that holds nothing to replay and that no client holds (a command that spills only
     * while Kafka is away leaves no empty directory behind). True if it was removed.
     */
    public static boolean removeSpillDirectoryIfEmpty(Path directory) throws IOException {
        return SpillDirectory.removeIfEmpty(directory);
    }

    /** Live counters (sent, failed, spilled, replayed, dropped, invalid, unpriced, unencodable). */
    public ProducerCounters counters() {
        return counters;
    }

    public ProducerCounters.Snapshot counts() {
        return counters.snapshot();
    }

    private String reject(InvalidEventException e, String callId) {
        counters.invalid.incrementAndGet();
        if (!config.lenient) {
            throw e;
        }
        LOG.warn("Dropped invalid event {}: {}", callId, e.getMessage());
        return callId;
    }

    private void enqueue(SpecificRecord event) {
        if (running && queue.offer(event)) {
            enqueued.incrementAndGet();
        } else {
            spillOrDrop(event, "send queue full or client closing");
        }
    }

    /** Events put on the queue, and those of them the sender has handed to Kafka or the spill file (for {@link #flush}). */
    private final AtomicLong enqueued = new AtomicLong();
    private volatile long handedOff;

    /** Events the sender takes from the queue at once; small, so few are in its hands if close() times out. */
    private static final int SEND_BATCH = 64;
    /** Events the sender has taken from the queue and not yet handed to the producer (counted by {@link #queued()}). */
    private volatile int inHand;

    private void sendLoop() {
        List<SpecificRecord> batch = new ArrayList<>(SEND_BATCH);
        while (running || !queue.isEmpty()) {
            try {
                SpecificRecord first = queue.poll(100, TimeUnit.MILLISECONDS);
                if (first != null) {
                    // Take what else is waiting in one go: one lock round-trip instead of one per event.
                    batch.add(first);
                    queue.drainTo(batch, SEND_BATCH - 1);
                    inHand = batch.size();
                    try {
                        for (SpecificRecord event : batch) {
                            if ((kafkaFailing() || producer() == null) && spill != null) {
                                // Circuit open: each send would block on missing metadata; the replay probes Kafka instead.
                                spillOrDrop(event, "Kafka unavailable");
                            } else {
                                send(event, false, null);
                            }
                        }
                    } finally {
                        // Whatever happened to one event, the batch is done: nothing is sent twice, nothing waits behind it.
                        handedOff += batch.size(); // the sender thread is the only writer
                        batch.clear();
                        inHand = 0;
                    }
                    if (config.spillSync == SpillSync.EVERY_BATCH) {
                        syncSpill();
                    }
                }
                maybeReplay();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                LOG.error("Unexpected error in the Tokenwatch sender thread (it keeps running)", e);
            }
        }
    }

    private void send(SpecificRecord event, boolean replay, Runnable onDone) {
        String topic = event instanceof LlmCall ? config.callsTopic : config.outcomesTopic;
        String key = event instanceof LlmCall call ? call.getCallId() : ((CallOutcome) event).getCallId();
        long timestamp = event instanceof LlmCall call ? call.getTimestamp().toEpochMilli() : ((CallOutcome) event).getDecidedAt().toEpochMilli();
        try {
            Producer<String, Object> kafka = producer();
            if (kafka == null) {
                throw new KafkaException("no Kafka client for " + config.bootstrapServers + " (bootstrap servers not resolvable)");
            }
            kafka.send(new ProducerRecord<>(topic, null, timestamp, key, event), (metadata, error) -> {
                if (error == null) {
                    lastSuccessNanos = System.nanoTime();
                    (replay ? counters.replayed : counters.sent).incrementAndGet();
                } else {
                    lastFailureNanos = System.nanoTime();
                    counters.failed.incrementAndGet();
                    spillOrDrop(event, error.toString());
                }
                if (onDone != null) {
                    onDone.run();
                }
            });
        } catch (RuntimeException e) {
            // Refused before it left: the event itself (it cannot be encoded: dropped, Kafka is not to blame) or the registry or Kafka (spilled).
            byte[] encoded = encodeOrDrop(event);
            if (encoded != null) {
                lastFailureNanos = System.nanoTime();
                counters.failed.incrementAndGet();
                spill(event, encoded, e.toString());
            }
            if (onDone != null) {
                onDone.run();
            }
        }
    }

    /** An event Kafka did not take: spilled for replay, unless it cannot be encoded at all ({@link #encodeOrDrop}). */
    private void spillOrDrop(SpecificRecord event, String why) {
        byte[] encoded = encodeOrDrop(event);
        if (encoded != null) {
            spill(event, encoded, why);
        }
    }

    /**
     * The event's Avro binary, or null when it cannot be encoded at all (a value its field does not fit,
     * e.g. a cost of more than 20 digits): then it is dropped, counted as unencodable, and never
     * retried, since no retry could send it.
     */
    private byte[] encodeOrDrop(SpecificRecord event) {
        try {
            return event instanceof LlmCall call ? CALL_CODEC.encode(call) : OUTCOME_CODEC.encode((CallOutcome) event);
        } catch (RuntimeException e) {
            drop("cannot be encoded (" + e.getMessage() + ")", counters.unencodable);
            return null;
        }
    }

    private void spill(SpecificRecord event, byte[] encoded, String why) {
        if (spill != null) {
            try {
                if (spill.append(event instanceof LlmCall ? KIND_CALL : KIND_OUTCOME, encoded)) {
                    counters.spilled.incrementAndGet();
                    lastSpillNanos = System.nanoTime();
                    return;
                }
                why = why + "; spill file full (" + config.maxSpillBytes + " bytes)";
            } catch (IOException e) {
                why = why + "; spill failed: " + e;
            }
        }
        drop(why, null);
    }

    /**
     * Every drop is counted (and in {@code kind} too when given); the log line is rate-limited to powers of
     * two per kind so a flood cannot drown the log.
     */
    private void drop(String why, AtomicLong kind) {
        if (kind == null) {
            lastLossNanos = System.nanoTime();
        }
        long dropped = counters.dropped.incrementAndGet();
        long nth = kind == null ? dropped : kind.incrementAndGet();
        if (Long.bitCount(nth) == 1) {
            LOG.error("Dropped a Tokenwatch event ({} so far of its kind): {}", nth, why);
        }
    }

    private void syncSpill() {
        if (spill != null) {
            try {
                spill.sync();
            } catch (IOException e) {
                LOG.warn("Cannot force the spill file to disk: {}", e.toString());
            }
        }
    }

    private static SpillDirectory openSpillDirectory(Path base) {
        if (base == null) {
            return null;
        }
        try {
            return SpillDirectory.lock(base);
        } catch (IOException | RuntimeException e) {
            LOG.warn("No spill directory ({}): events Kafka does not take are dropped and counted", e.getMessage());
            return null;
        }
    }

    private boolean kafkaFailing() {
        return lastFailureNanos > lastSuccessNanos;
    }

    /**
     * Kafka's producer, created on first use. Kafka refuses to create one when no bootstrap server
     * resolves (a DNS name not there yet): recording must not fail for that, so events spill and the
     * client tries again each replay interval.
     */
    private Producer<String, Object> producer() {
        Producer<String, Object> current = producer;
        if (current != null || System.nanoTime() - lastProducerAttemptNanos < config.replayInterval.toNanos() && lastProducerAttemptNanos != 0) {
            return current;
        }
        lastProducerAttemptNanos = System.nanoTime();
        boolean firstAttempt = lastFailureNanos == 0;
        try {
            producer = new KafkaProducer<>(producerProps);
            if (!firstAttempt) {
                LOG.info("Tokenwatch reaches Kafka at {} now", config.bootstrapServers);
            }
            return producer;
        } catch (KafkaException e) {
            lastFailureNanos = System.nanoTime();
            String why = e.getCause() == null ? e.getMessage() : e.getCause().getMessage();
            if (firstAttempt) {
                LOG.warn("Tokenwatch cannot reach Kafka at {} ({}); events {} until it can (tried again every {})", config.bootstrapServers, why,
                        spill == null ? "are dropped (no spill directory)" : "spill to " + config.spillDirectory, config.replayInterval);
            } else {
                LOG.debug("Kafka at {} still not reachable: {}", config.bootstrapServers, why);
            }
            return null;
        }
    }

    /** Replays spilled events once Kafka looks reachable again; at most once per replay interval. */
    private void maybeReplay() {
        if (spill == null || replaysInFlight.get() > 0 || System.nanoTime() - lastReplayAttemptNanos < config.replayInterval.toNanos()) {
            return;
        }
        lastReplayAttemptNanos = System.nanoTime();
        if (config.spillSync == SpillSync.INTERVAL) {
            syncSpill();
        }
        if (spill.isEmpty() || producer() == null || (kafkaFailing() && !brokerAcceptsConnections())) {
            return;
        }
        // One more than the entries until all are read, so the file is not deleted while entries are still being read from it,
        // nor when reading it failed part way (the rest is replayed next time; what was sent again is a duplicate the pipeline refuses).
        replaysInFlight.set(1);
        AtomicBoolean keepFile = new AtomicBoolean();
        Runnable oneDone = () -> {
            if (replaysInFlight.decrementAndGet() == 0 && !keepFile.get()) {
                try {
                    spill.replayDone();
                } catch (IOException e) {
                    LOG.warn("Cannot delete the replayed spill file: {}", e.toString());
                }
            }
        };
        long read = 0;
        try (SpillFile.Replay replay = spill.takeForReplay()) {
            LOG.info("Replaying spilled Tokenwatch events");
            for (SpillFile.Entry entry : replay) {
                SpecificRecord event;
                try {
                    event = entry.kind() == KIND_CALL ? CALL_CODEC.decode(entry.bytes()) : OUTCOME_CODEC.decode(entry.bytes());
                } catch (RuntimeException e) {
                    LOG.warn("Skipped a spilled record that does not decode: {}", e.getMessage());
                    continue;
                }
                read++;
                replaysInFlight.incrementAndGet();
                send(event, true, oneDone);
            }
            keepFile.set(replay.readFailed());
            LOG.info("Replayed {} spilled Tokenwatch events", read);
        } catch (IOException e) {
            keepFile.set(true);
            LOG.warn("Cannot replay the spill file: {}", e.toString());
        } finally {
            oneDone.run();
        }
    }

    private boolean brokerAcceptsConnections() {
        String first = config.bootstrapServers.split(",")[0].trim();
        int colon = first.lastIndexOf(':');
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(first.substring(0, colon), Integer.parseInt(first.substring(colon + 1))), 500);
            return true;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /**
     * Sends what is queued and waits for Kafka up to the close timeout; what still cannot be delivered
     * is spilled (and replayed by the next client with the same spill directory).
     */
    @Override
    public void close() {
        if (!running) {
            return;
        }
        long deadline = System.nanoTime() + config.closeTimeout.toNanos();
        running = false;
        try {
            sender.join(Math.max(1, config.closeTimeout.toMillis() / 2));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (producer != null) {
            producer.close(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
        }
        for (SpecificRecord left; (left = queue.poll()) != null; ) {
            spillOrDrop(left, "client closed before it was sent");
        }
        try {
            if (spill != null) {
                spill.close();
            }
            if (spillDirectory != null) {
                spillDirectory.close();
            }
        } catch (IOException e) {
            LOG.warn("Cannot close the spill file: {}", e.toString());
        }
        LOG.info("Tokenwatch client closed: {}", counters.snapshot());
    }

    /** Client settings. Only the bootstrap servers and registry URL are required. */
    public static final class Builder {
        String bootstrapServers;
        String schemaRegistryUrl;
        String callsTopic = "llm.calls.v1";
        String outcomesTopic = "llm.outcomes.v1";
        String defaultTask;
        Attribution defaults = Attribution.NONE;
        PriceCatalog catalog;
        Path spillDirectory = SpillDirectory.defaultBase();
        SpillSync spillSync = SpillSync.EVERY_BATCH;
        long maxSpillBytes = 256L * 1024 * 1024;
        int queueCapacity = 10_000;
        Duration closeTimeout = Duration.ofSeconds(10);
        Duration replayInterval = Duration.ofSeconds(5);
        boolean lenient;
        Clock clock = Clock.systemUTC();
        final Map<String, Object> producerOverrides = new HashMap<>();

        public Builder bootstrapServers(String value) { bootstrapServers = value; return this; }
        public Builder schemaRegistryUrl(String value) { schemaRegistryUrl = value; return this; }
        public Builder callsTopic(String value) { callsTopic = value; return this; }
        public Builder outcomesTopic(String value) { outcomesTopic = value; return this; }
        /** Task used when a report does not name one. */
        public Builder defaultTask(String value) { defaultTask = value; return this; }
        /** Service-wide attribution; each report may override fields and add tags. */
        public Builder defaults(Attribution value) { defaults = value; return this; }
        public Builder priceCatalog(PriceCatalog value) { catalog = value; return this; }
        /**
         * Where undeliverable events wait for replay (default {@code ~/.tokenwatch/spill}, created owner-only and locked by
         * this client; a second client on it uses a {@code client-N} directory inside); null disables spilling (they are
         * then dropped and counted).
         */
        public Builder spillDirectory(Path value) { spillDirectory = value; return this; }
        /** When spilled events are forced to disk: after each batch the sender spills (default), or once per replay interval. */
        public Builder spillSync(SpillSync value) { spillSync = value; return this; }
        public Builder maxSpillBytes(long value) { maxSpillBytes = value; return this; }
        /** Events buffered in memory before the caller's events spill to disk. */
        public Builder queueCapacity(int value) { queueCapacity = value; return this; }
        public Builder closeTimeout(Duration value) { closeTimeout = value; return this; }
        public Builder replayInterval(Duration value) { replayInterval = value; return this; }
        /** Count and drop invalid events instead of throwing {@link InvalidEventException}. */
        public Builder lenient(boolean value) { lenient = value; return this; }
        public Builder clock(Clock value) { clock = value; return this; }
        /**
         * Any Kafka producer or serializer property, e.g. {@code delivery.timeout.ms}, or
         * {@code value.serializer=io.confluent.kafka.serializers.KafkaAvroSerializer} to use Confluent's.
         */
        public Builder producerProperty(String key, Object value) { producerOverrides.put(key, value); return this; }

        public TokenwatchClient build() {
            if (bootstrapServers == null || bootstrapServers.isBlank()) {
                throw new IllegalArgumentException("bootstrapServers is required");
            }
            for (String server : bootstrapServers.split(",")) {
                // A typo is the caller's to fix now; a host that does not resolve (yet) is Kafka being unreachable: events spill.
                if (!server.trim().matches("\\S+:\\d{1,5}")) {
                    throw new IllegalArgumentException("bootstrapServers: '" + server.trim() + "' is not host:port");
                }
            }
            if (schemaRegistryUrl == null || schemaRegistryUrl.isBlank()) {
                throw new IllegalArgumentException("schemaRegistryUrl is required (http(s)://… or mock://scope)");
            }
            if (catalog == null) {
                catalog = PriceCatalog.bundled();
            }
            return new TokenwatchClient(this);
        }
    }
}
