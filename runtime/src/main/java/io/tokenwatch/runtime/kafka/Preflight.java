package io.tokenwatch.runtime.kafka;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import io.tokenwatch.registry.SchemaRegistryClient;
import io.tokenwatch.registry.SchemaRegistryException;
import io.tokenwatch.runtime.CannotStartException;
import io.tokenwatch.runtime.config.TokenwatchConfig;
import io.tokenwatch.serde.AvroSerdeConfig;
import org.apache.kafka.clients.NetworkClient;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.AuthenticationException;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;

/**
 * What every command against a cluster checks before it starts: Kafka answers at the bootstrap
 * servers and the schema registry answers at its URL. Either failing stops the command in one line
 * naming what it tried ({@link CannotStartException}) within 15 s, instead of a minute of retries
 * and a stack trace.
 */
public final class Preflight {
    static final Duration KAFKA_WITHIN = Duration.ofSeconds(10);
    static final Duration REGISTRY_WITHIN = Duration.ofSeconds(4);

    private Preflight() {
    }

    /** Checks Kafka, then the registry. */
    public static void requireCluster(TokenwatchConfig config) {
        requireCluster(config, List.of());
    }

    /** Checks Kafka, then the registry, and creates the compacted topics a command writes where they are missing. */
    public static void requireCluster(TokenwatchConfig config, List<String> compactedTopics) {
        try (Admin admin = reachableAdmin(config)) {
            requireRegistry(config);
            if (!compactedTopics.isEmpty()) {
                TopicSetup.ensure(admin, config, compactedTopics, Set.copyOf(compactedTopics));
            }
        }
    }

    /**
     * An admin client of a Kafka that answers, for the caller to go on with (and close): a bootstrap
     * host that does not resolve, or no answer, stops start-up in one line.
     */
    public static Admin reachableAdmin(TokenwatchConfig config) {
        Admin admin;
        try {
            admin = Admin.create(config.clientProperties(AdminClientConfig.configNames()));
        } catch (KafkaException e) {
            throw new CannotStartException(bootstrap(config) + ": " + (e.getCause() == null ? e.getMessage() : e.getCause().getMessage()));
        }
        try {
            requireKafka(admin, config);
            return admin;
        } catch (RuntimeException e) {
            admin.close();
            throw e;
        }
    }

    private static void requireKafka(Admin admin, TokenwatchConfig config) {
        // The client logs every failed connection attempt; the one line below says it once.
        Logger network = (Logger) LoggerFactory.getLogger(NetworkClient.class);
        Level before = network.getLevel();
        network.setLevel(Level.ERROR);
        try {
            admin.describeCluster(new DescribeClusterOptions().timeoutMs((int) KAFKA_WITHIN.toMillis())).clusterId().get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof AuthenticationException) {
                // The broker answered and said no: a wrong password or mechanism, not an unreachable cluster.
                throw new CannotStartException("Kafka at " + bootstrap(config) + " refused the credentials (security.protocol="
                        + config.kafkaProperties().getOrDefault("security.protocol", "PLAINTEXT") + ", sasl.mechanism="
                        + config.kafkaProperties().getOrDefault("sasl.mechanism", "GSSAPI") + "; see sasl.jaas.config): " + e.getCause().getMessage());
            }
            throw new CannotStartException("no Kafka broker answers at " + bootstrap(config) + " within "
                    + KAFKA_WITHIN.toSeconds() + " s (" + e.getCause().getMessage() + ")");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CannotStartException("interrupted while reaching Kafka at " + bootstrap(config));
        } finally {
            network.setLevel(before);
        }
    }

    /** Any HTTP answer of the registry counts (a subject not found, a 500 too); no answer, or refused credentials, stop start-up. */
    public static void requireRegistry(TokenwatchConfig config) {
        String url = AvroSerdeConfig.masked(config.kafkaProperties().get(AvroSerdeConfig.SCHEMA_REGISTRY_URL));
        try (SchemaRegistryClient probe = new AvroSerdeConfig(config.kafkaProperties(), false).probeClient(1, REGISTRY_WITHIN)) {
            probe.latest(config.callsTopic + "-value");
        } catch (SchemaRegistryException e) {
            if (e.httpStatus() == 401 || e.httpStatus() == 403) {
                throw new CannotStartException("the schema registry at schema.registry.url=" + url + " refused the credentials (HTTP "
                        + e.httpStatus() + "; see basic.auth.credentials.source)");
            }
            if (e.httpStatus() < 0) { // any HTTP answer means it is there: a failing registry is waited for while running
                throw new CannotStartException("no schema registry answers at schema.registry.url=" + url + " within "
                        + REGISTRY_WITHIN.toSeconds() + " s (" + rootMessage(e) + ")");
            }
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        return root == e ? e.getMessage() : root.getClass().getSimpleName() + (root.getMessage() == null ? "" : ": " + root.getMessage());
    }

    private static String bootstrap(TokenwatchConfig config) {
        return "bootstrap.servers=" + config.kafkaProperties().get("bootstrap.servers");
    }
}
