package io.tokenwatch.otlp;

import io.tokenwatch.producer.TokenwatchClient;
import io.tokenwatch.runtime.config.TokenwatchConfig;
import org.apache.kafka.clients.producer.ProducerConfig;

import java.nio.file.Path;

/** producer-lib's client for Tokenwatch's own intakes (synthetic traffic, OTLP): the configured cluster, registry and input topics. */
public final class IntakeClient {
    private IntakeClient() {
    }

    public static TokenwatchClient.Builder builder(TokenwatchConfig config, Path spillDir) {
        TokenwatchClient.Builder builder = TokenwatchClient.builder().bootstrapServers(config.kafkaProperties().get("bootstrap.servers"))
                .schemaRegistryUrl(config.kafkaProperties().get("schema.registry.url")).callsTopic(config.callsTopic)
                .outcomesTopic(config.outcomesTopic).spillDirectory(spillDir);
        // The cluster's security settings (SASL, TLS; bootstrap servers are already set) and the registry's (credentials, TLS trust),
        // which the producer hands to its serializer: a registry that needs them would otherwise refuse every span.
        config.clientProperties(ProducerConfig.configNames()).forEach(builder::producerProperty);
        config.serdeProperties().forEach(builder::producerProperty);
        return builder;
    }
}
