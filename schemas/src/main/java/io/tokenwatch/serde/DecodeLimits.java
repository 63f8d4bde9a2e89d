package io.tokenwatch.serde;

import org.apache.kafka.common.config.ConfigException;

import java.util.Map;

/**
 * The most a single Avro record may declare, checked before allocating. The defaults sit far above
 * any real event (a call is a few hundred bytes) and far below the heap; a record is in any case never
 * allowed to declare more bytes than it holds.
 *
 * @param maxStringBytes     longest string, in UTF-8 bytes
 * @param maxBytesLength     longest {@code bytes} value
 * @param maxCollectionItems array and map items in one record, all collections together
 */
public record DecodeLimits(int maxStringBytes, int maxBytesLength, long maxCollectionItems) {
    public static final String MAX_STRING_BYTES = "avro.decode.max.string.bytes";
    public static final String MAX_BYTES_LENGTH = "avro.decode.max.bytes.length";
    public static final String MAX_COLLECTION_ITEMS = "avro.decode.max.collection.items";
    public static final DecodeLimits DEFAULT = new DecodeLimits(1 << 20, 1 << 20, 100_000);

    public DecodeLimits {
        if (maxStringBytes < 0 || maxBytesLength < 0 || maxCollectionItems < 0) {
            throw new IllegalArgumentException("decode limits must not be negative");
        }
    }

    /** The limits set in a serde configuration, the defaults for those not set. */
    static DecodeLimits from(Map<String, ?> configs) {
        return new DecodeLimits((int) positive(configs, MAX_STRING_BYTES, DEFAULT.maxStringBytes, Integer.MAX_VALUE),
                (int) positive(configs, MAX_BYTES_LENGTH, DEFAULT.maxBytesLength, Integer.MAX_VALUE),
                positive(configs, MAX_COLLECTION_ITEMS, DEFAULT.maxCollectionItems, Long.MAX_VALUE));
    }

    private static long positive(Map<String, ?> configs, String key, long defaultValue, long max) {
        Object value = configs.get(key);
        if (value == null) {
            return defaultValue;
        }
        try {
            long parsed = Long.parseLong(value.toString().trim());
            if (parsed < 1 || parsed > max) {
                throw new ConfigException(key, value, "expected a number from 1 to " + max);
            }
            return parsed;
        } catch (NumberFormatException e) {
            throw new ConfigException(key, value, "expected a number");
        }
    }
}
