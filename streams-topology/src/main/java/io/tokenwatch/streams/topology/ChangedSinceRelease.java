package io.tokenwatch.streams.topology;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * The latest value of each key changed since the reorder buffer's last RELEASED marker, sent when the
 * next one comes ({@link #send}) — once per key and release, not once per delta — in the order the
 * keys last changed. A long catch-up release sends them in chunks of {@value #MAX_HELD}. The buffer
 * hands on a release and its marker in one call, so a commit never finds this holding anything: it
 * is a processor field that need not roll back with the stores.
 */
final class ChangedSinceRelease<K, V> {
    static final int MAX_HELD = 10_000;

    private final Map<K, V> latest = new LinkedHashMap<>();
    private final BiConsumer<K, V> sender;

    ChangedSinceRelease(BiConsumer<K, V> sender) {
        this.sender = sender;
    }

    void put(K key, V value) {
        latest.remove(key); // re-inserted last
        latest.put(key, value);
        if (latest.size() >= MAX_HELD) {
            send();
        }
    }

    void send() {
        latest.forEach(sender);
        latest.clear();
    }

    /** Forgets what is held: for {@code init}, when the stores were rolled back with it. */
    void clear() {
        latest.clear();
    }
}
