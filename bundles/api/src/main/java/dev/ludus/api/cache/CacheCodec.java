package dev.ludus.api.cache;

import java.nio.charset.StandardCharsets;

/**
 * How a cache turns values into bytes and back: a shared store holds only these bytes. The format
 * is the owning bundle's: entries of another version of the bundle are never read with it (shared
 * entries are kept apart by the owner's version).
 */
public interface CacheCodec<V> {

    /** The value's bytes. */
    byte[] encode(V value);

    /**
     * The value of {@code bytes}.
     *
     * @throws RuntimeException when they cannot be read (the cache counts it as a miss and drops the entry)
     */
    V decode(byte[] bytes);

    /** Strings as UTF-8. */
    CacheCodec<String> UTF8 = new CacheCodec<>() {
        @Override
        public byte[] encode(String value) {
            return value.getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public String decode(byte[] bytes) {
            return new String(bytes, StandardCharsets.UTF_8);
        }
    };

    /** Bytes as they are. */
    CacheCodec<byte[]> BYTES = new CacheCodec<>() {
        @Override
        public byte[] encode(byte[] value) {
            return value;
        }

        @Override
        public byte[] decode(byte[] bytes) {
            return bytes;
        }
    };
}
