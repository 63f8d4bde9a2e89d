package io.tokenwatch.kafka;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.stream.Stream;
import java.net.InetAddress;

/**
 * A real single-node Kafka broker (KRaft, combined broker and controller) running inside this JVM on
 * loopback. It can be stopped and started again on the same port and data, to test outages and
 * restarts. Data lives in a temporary directory deleted on {@link #close()}, unless a directory was
 * given.
 */
public final class EmbeddedKafkaBroker implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafkaBroker.class);

    private final Path dataDir;
    private final boolean deleteOnClose;
    private final int brokerPort;
    private final int controllerPort;
    private final Map<String, String> overrides;
    /** Listeners beyond PLAINTEXT and CONTROLLER: name to "protocol port". */
    private final Map<String, String[]> extraListeners = new LinkedHashMap<>();
    private final String clusterId;
    private KafkaRaftServer server;

    private EmbeddedKafkaBroker(Path dataDir, boolean deleteOnClose, int brokerPort, Map<String, String> overrides) {
        this.dataDir = dataDir;
        this.deleteOnClose = deleteOnClose;
        this.brokerPort = brokerPort == 0 ? freePort() : brokerPort;
        // A data directory formatted before names its cluster and its controller's address: a broker
        // started on it again must be that cluster, reachable where its metadata says.
        Properties formatted = readProperties(dataDir.resolve("server.properties"));
        Properties meta = readProperties(dataDir.resolve("logs").resolve("meta.properties"));
        this.clusterId = meta.getProperty("cluster.id", Uuid.randomUuid().toString());
        String controller = formatted.getProperty("controller.quorum.bootstrap.servers");
        this.controllerPort = controller == null ? freePort() : Integer.parseInt(controller.substring(controller.lastIndexOf(':') + 1));
        this.overrides = Map.copyOf(overrides);
    }

    /** A broker on free ports with its data in a temporary directory; not started yet. */
    public static EmbeddedKafkaBroker onFreePorts() {
        return create(null, 0, Map.of());
    }

    /**
     * @param dataDir   where logs and metadata go; null for a temporary directory removed on close
     * @param port      client port on 127.0.0.1; 0 for a free one
     * @param overrides extra broker properties
     */
    public static EmbeddedKafkaBroker create(Path dataDir, int port, Map<String, String> overrides) {
        try {
            boolean temporary = dataDir == null;
            Path dir = temporary ? Files.createTempDirectory("tokenwatch-kafka-") : Files.createDirectories(dataDir);
            return new EmbeddedKafkaBroker(dir, temporary, port, overrides);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Formats the storage on first use, starts the broker and waits until it serves requests. */
    public synchronized EmbeddedKafkaBroker start() {
        if (server != null) {
            return this;
        }
        long began = System.nanoTime();
        Properties props = brokerProperties();
        formatStorage(props);
        server = new KafkaRaftServer(new KafkaConfig(props, false), Time.SYSTEM);
        server.startup();
        awaitReady(Duration.ofSeconds(60));
        LOG.info("Kafka broker ready on {} in {} ms (data in {})", bootstrapServers(), (System.nanoTime() - began) / 1_000_000, dataDir);
        return this;
    }

    /**
     * Adds a listener {@code name} speaking {@code protocol} (SASL_SSL, say) on 127.0.0.1:{@code port}, before
     * {@link #start()}; its own settings go in the overrides as {@code listener.name.<name in lower case>.*}.
     * Brokers and clients inside this JVM keep using PLAINTEXT.
     */
    public synchronized EmbeddedKafkaBroker withListener(String name, String protocol, int port) {
        if (server != null) {
            throw new IllegalStateException("listeners are added before start()");
        }
        extraListeners.put(name, new String[] {protocol, Integer.toString(port)});
        return this;
    }

    /** {@code 127.0.0.1:port} of a listener added with {@link #withListener}. */
    public String bootstrapServers(String listener) {
        return "127.0.0.1:" + extraListeners.get(listener)[1];
    }

    /** Stops the broker but keeps its data, so {@link #start()} brings the same cluster back. */
    public synchronized void stop() {
        if (server != null) {
            server.shutdown();
            server.awaitShutdown();
            server = null;
        }
    }

    public String bootstrapServers() {
        return "127.0.0.1:" + brokerPort;
    }

    public Path dataDir() {
        return dataDir;
    }

    /** Creates topics that do not exist yet. */
    public void createTopics(int partitions, Collection<String> names) {
        try (Admin admin = admin()) {
            List<NewTopic> topics = names.stream().map(n -> new NewTopic(n, partitions, (short) 1)).toList();
            admin.createTopics(topics).values().values().forEach(f -> {
                try {
                    f.get();
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw new IllegalStateException("Cannot create topics " + names, e.getCause());
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
            });
        }
    }

    public Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 30_000, AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 60_000));
    }

    @Override
    public synchronized void close() {
        stop();
        if (deleteOnClose) {
            deleteRecursively(dataDir);
        }
    }

    private Properties brokerProperties() {
        Properties props = new Properties();
        String controller = "127.0.0.1:" + controllerPort;
        props.put("process.roles", "broker,controller");
        props.put("node.id", "1");
        props.put("controller.quorum.bootstrap.servers", controller);
        StringBuilder listeners = new StringBuilder("PLAINTEXT://127.0.0.1:" + brokerPort + ",CONTROLLER://" + controller);
        StringBuilder advertised = new StringBuilder("PLAINTEXT://127.0.0.1:" + brokerPort);
        StringBuilder protocols = new StringBuilder("PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        extraListeners.forEach((name, protocolAndPort) -> {
            listeners.append(',').append(name).append("://127.0.0.1:").append(protocolAndPort[1]);
            advertised.append(',').append(name).append("://127.0.0.1:").append(protocolAndPort[1]);
            protocols.append(',').append(name).append(':').append(protocolAndPort[0]);
        });
        props.put("listeners", listeners.toString());
        props.put("advertised.listeners", advertised.toString());
        props.put("controller.listener.names", "CONTROLLER");
        props.put("inter.broker.listener.name", "PLAINTEXT");
        props.put("listener.security.protocol.map", protocols.toString());
        props.put("log.dirs", dataDir.resolve("logs").toString());
        // A single node: every internal topic needs replication factor and min ISR 1, or
        // consumer groups and transactions hang.
        props.put("offsets.topic.replication.factor", "1");
        props.put("offsets.topic.num.partitions", "4");
        props.put("transaction.state.log.replication.factor", "1");
        props.put("transaction.state.log.min.isr", "1");
        props.put("transaction.state.log.num.partitions", "4");
        props.put("share.coordinator.state.topic.replication.factor", "1");
        props.put("share.coordinator.state.topic.min.isr", "1");
        props.put("group.initial.rebalance.delay.ms", "0");
        props.put("auto.create.topics.enable", "false");
        props.putAll(overrides);
        return props;
    }

    /** The properties in {@code file}; none when it does not exist. */
    private static Properties readProperties(Path file) {
        Properties props = new Properties();
        if (Files.exists(file)) {
            try (InputStream in = Files.newInputStream(file)) {
                props.load(in);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return props;
    }

    private void formatStorage(Properties props) {
        Path configFile = dataDir.resolve("server.properties");
        try (OutputStream out = Files.newOutputStream(configFile)) {
            props.store(out, "tokenwatch embedded broker");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        int exit = StorageTool.execute(new String[]{"format", "--standalone", "--ignore-formatted",
                "-t", clusterId, "-c", configFile.toString()}, new PrintStream(output, true, StandardCharsets.UTF_8));
        if (exit != 0) {
            throw new IllegalStateException("Formatting Kafka storage in " + dataDir + " failed: " + output.toString(StandardCharsets.UTF_8));
        }
    }

    private void awaitReady(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        try (Admin admin = admin()) {
            while (true) {
                try {
                    if (!admin.describeCluster().nodes().get().isEmpty()) {
                        return;
                    }
                } catch (ExecutionException e) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("Kafka broker on " + bootstrapServers() + " not ready after " + timeout, e);
                    }
                }
                Thread.sleep(50);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void deleteRecursively(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            LOG.warn("Could not delete {}: {}", dir, e.toString());
        }
    }
}
