package io.tokenwatch.runtime.config;

import io.tokenwatch.serde.AvroSerdeConfig;
import io.tokenwatch.serde.DecodeLimits;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.streams.StreamsConfig;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The keys a properties file may hold besides {@code tokenwatch.*}: what Kafka Streams, its clients
 * (also under Streams' {@code consumer.}, {@code producer.}, {@code admin.} ... prefixes), topic
 * configs ({@code topic.}) and the Avro serdes define — ours and Confluent's, so a Confluent
 * properties file keeps working when its serde is swapped in. Anything else is a typo or a setting
 * of some other product, and silently ignoring it is how a wrong file runs for weeks.
 */
public final class KafkaSettingNames {
    private static final Set<String> CONSUMER = ConsumerConfig.configNames();
    private static final Set<String> PRODUCER = ProducerConfig.configNames();
    private static final Set<String> ADMIN = AdminClientConfig.configNames();
    private static final Set<String> TOPIC = topicConfigNames();

    /** Streams' client prefixes and the client settings each may carry. */
    private static final Map<String, Set<String>> CLIENT_PREFIXES = Map.of(
            StreamsConfig.MAIN_CONSUMER_PREFIX, CONSUMER,
            StreamsConfig.RESTORE_CONSUMER_PREFIX, CONSUMER,
            StreamsConfig.GLOBAL_CONSUMER_PREFIX, CONSUMER,
            StreamsConfig.CONSUMER_PREFIX, CONSUMER,
            StreamsConfig.PRODUCER_PREFIX, PRODUCER,
            StreamsConfig.ADMIN_CLIENT_PREFIX, ADMIN,
            StreamsConfig.TOPIC_PREFIX, TOPIC);

    /** Confluent's serde settings beyond those {@link AvroSerdeConfig} reads (accepted, used by Confluent's serde only). */
    private static final List<String> CONFLUENT_SERDE = List.of("bearer.auth.credentials.source", "bearer.auth.token",
            "bearer.auth.logical.cluster", "bearer.auth.identity.pool.id", "bearer.auth.issuer.endpoint.url", "bearer.auth.client.id",
            "bearer.auth.client.secret", "bearer.auth.scope", "bearer.auth.cache.expiry.buffer.seconds", "bearer.auth.custom.provider.class",
            "max.schemas.per.subject", "normalize.schemas", "use.schema.id", "id.compatibility.strict", "latest.compatibility.strict",
            "use.latest.with.metadata", "latest.cache.size", "latest.cache.ttl.sec", "context.name.strategy", "proxy.host", "proxy.port",
            "avro.reflection.allow.null", "avro.use.logical.type.converters", "avro.remove.java.properties", "key.schema.id.serializer",
            "value.schema.id.serializer", "key.schema.id.deserializer", "value.schema.id.deserializer", "http.connect.timeout.ms",
            "http.read.timeout.ms", "missing.id.cache.ttl.sec", "missing.schema.cache.ttl.sec", "missing.cache.size", "rule.executors",
            "rule.actions", "rule.service.loader.enable");

    /** What the Avro serdes read (ours and Confluent's), beyond the {@code schema.registry.*} keys. */
    private static final Set<String> SERDE = serdeNames();
    private static final Set<String> PLAIN = plainNames();

    private KafkaSettingNames() {
    }

    public static boolean isKnown(String key) {
        if (PLAIN.contains(key) || key.startsWith("schema.registry.")) {
            return true;
        }
        return CLIENT_PREFIXES.entrySet().stream().anyMatch(p -> key.startsWith(p.getKey())
                && (p.getValue().contains(key.substring(p.getKey().length())) || PLAIN.contains(key.substring(p.getKey().length()))));
    }

    /** A setting of the Avro serdes (registry address, credentials, TLS, decode limits): every client that (de)serializes needs them. */
    public static boolean isSerdeKey(String key) {
        return key.startsWith("schema.registry.") || SERDE.contains(key);
    }

    private static Set<String> serdeNames() {
        Set<String> names = new HashSet<>(List.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL, AvroSerdeConfig.AUTO_REGISTER_SCHEMAS,
                AvroSerdeConfig.USE_LATEST_VERSION, AvroSerdeConfig.SPECIFIC_AVRO_READER, AvroSerdeConfig.KEY_SUBJECT_NAME_STRATEGY,
                AvroSerdeConfig.VALUE_SUBJECT_NAME_STRATEGY, AvroSerdeConfig.BASIC_AUTH_CREDENTIALS_SOURCE, AvroSerdeConfig.BASIC_AUTH_USER_INFO,
                DecodeLimits.MAX_STRING_BYTES, DecodeLimits.MAX_BYTES_LENGTH, DecodeLimits.MAX_COLLECTION_ITEMS));
        names.addAll(CONFLUENT_SERDE);
        return Set.copyOf(names);
    }

    /** Every unprefixed name, to suggest the nearest one for a typo. */
    static Set<String> all() {
        return PLAIN;
    }

    private static Set<String> plainNames() {
        Set<String> names = new HashSet<>(StreamsConfig.configDef().names());
        names.addAll(CONSUMER);
        names.addAll(PRODUCER);
        names.addAll(ADMIN);
        names.addAll(SERDE);
        return Set.copyOf(names);
    }

    /** {@link TopicConfig} names its settings only as {@code *_CONFIG} constants. */
    private static Set<String> topicConfigNames() {
        Set<String> names = new HashSet<>();
        for (Field field : TopicConfig.class.getFields()) {
            if (Modifier.isStatic(field.getModifiers()) && field.getName().endsWith("_CONFIG") && field.getType() == String.class) {
                try {
                    names.add((String) field.get(null));
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        return Set.copyOf(names);
    }
}
