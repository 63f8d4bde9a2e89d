package io.tokenwatch.registry;

import org.apache.avro.Schema;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Caches ids and schemas both ways, so each schema costs one registry round trip per JVM. Latest
 * versions are not cached: they change.
 */
public final class CachingSchemaRegistryClient implements SchemaRegistryClient {
    private final SchemaRegistryClient delegate;
    private final Map<Integer, Schema> schemasById = new ConcurrentHashMap<>();
    private final Map<SubjectSchema, Integer> registeredIds = new ConcurrentHashMap<>();
    private final Map<SubjectSchema, Integer> lookedUpIds = new ConcurrentHashMap<>();

    public CachingSchemaRegistryClient(SchemaRegistryClient delegate) {
        this.delegate = delegate;
    }

    @Override
    public int register(String subject, Schema schema) {
        return registeredIds.computeIfAbsent(new SubjectSchema(subject, schema), key -> {
            int id = delegate.register(subject, schema);
            schemasById.putIfAbsent(id, schema);
            return id;
        });
    }

    @Override
    public int lookupId(String subject, Schema schema) {
        SubjectSchema key = new SubjectSchema(subject, schema);
        Integer registered = registeredIds.get(key);
        if (registered != null) {
            return registered;
        }
        return lookedUpIds.computeIfAbsent(key, k -> {
            int id = delegate.lookupId(subject, schema);
            schemasById.putIfAbsent(id, schema);
            return id;
        });
    }

    @Override
    public Schema schemaById(int id) {
        return schemasById.computeIfAbsent(id, delegate::schemaById);
    }

    @Override
    public SubjectVersion latest(String subject) {
        SubjectVersion latest = delegate.latest(subject);
        schemasById.putIfAbsent(latest.id(), latest.schema());
        return latest;
    }

    @Override
    public void close() {
        delegate.close();
    }

    private record SubjectSchema(String subject, Schema schema) {
    }
}
