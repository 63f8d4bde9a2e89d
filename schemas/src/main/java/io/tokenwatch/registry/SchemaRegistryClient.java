package io.tokenwatch.registry;

import org.apache.avro.Schema;

import java.io.Closeable;

/**
 * The subset of the Confluent Schema Registry API that the serde needs. Implementations:
 * {@link RestSchemaRegistryClient} (HTTP) and {@link MockSchemaRegistry} (in-process, {@code mock://}).
 */
public interface SchemaRegistryClient extends Closeable {

    /** Registers {@code schema} under {@code subject} (idempotent) and returns its global id. */
    int register(String subject, Schema schema);

    /** Returns the id of {@code schema} if it is already registered under {@code subject}. */
    int lookupId(String subject, Schema schema);

    /** Returns the schema with the global id {@code id}. */
    Schema schemaById(int id);

    /** Returns the latest version registered under {@code subject}. */
    SubjectVersion latest(String subject);

    @Override
    default void close() {
    }

    /** One version of a subject. */
    record SubjectVersion(String subject, int version, int id, Schema schema) {
    }
}
