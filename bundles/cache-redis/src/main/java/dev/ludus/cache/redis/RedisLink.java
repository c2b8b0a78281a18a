package dev.ludus.cache.redis;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.function.Function;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ludus.api.resilience.Policy;
import dev.ludus.api.resilience.ResilienceException;
import dev.ludus.redis.client.RedisConnector;
import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.KeyValue;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.SetArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;

/**
 * The caches' way to Redis: one connection for commands, one subscribed to the invalidation
 * channel, both opened in the background until Redis answers. Every command waits at most the
 * timeout; after a failure Redis is left alone for the retry time (the caches do without it
 * meanwhile, so a Redis that is away costs a read nothing). When Redis comes back after being away,
 * {@code onBack} runs: invalidations sent meanwhile were lost, so near-caches start afresh.
 */
final class RedisLink implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RedisLink.class);
    private static final RedisCodec<String, byte[]> CODEC = RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE);

    /** Tells a failure of Redis from the caller's own. */
    static final class Away extends Exception {
        private static final long serialVersionUID = 1L;

        Away(String message) {
            super(message, null, false, false);
        }
    }

    final String node = UUID.randomUUID().toString();
    final String channel;
    private final RedisConnector redis;
    private final long timeoutMillis;
    private final long retryNanos;
    private final Consumer<String> onInvalidation;
    private final Runnable onBack;
    private final ScheduledExecutorService keeper;
    final LongAdder errors = new LongAdder();
    private volatile StatefulRedisConnection<String, byte[]> connection;
    private volatile StatefulRedisPubSubConnection<String, String> subscription;
    private volatile long awayUntil;
    private volatile boolean away = true;
    private volatile String problem = "not connected yet";
    /** Whether the first attempt to reach Redis has ended, either way. */
    private volatile boolean tried;
    /**
     * The resilience policy every command goes through while a resilience service is bound
     * ({@code redis.cache}: its breaker, bulkhead and rate limit, one attempt: a cache does not
     * wait for retries, its loader answers); null: commands go straight to Redis.
     */
    private volatile Policy policy;
    /** Commands the policy refused (its breaker open, forced open, or full): they went to the loaders. */
    final LongAdder refused = new LongAdder();

    RedisLink(RedisConnector redis, String prefix, long timeoutMillis, long retryMillis,
              Consumer<String> onInvalidation, Runnable onBack) {
        this.redis = redis;
        this.channel = prefix + ":invalidations";
        this.timeoutMillis = timeoutMillis;
        this.retryNanos = TimeUnit.MILLISECONDS.toNanos(retryMillis);
        this.onInvalidation = onInvalidation;
        this.onBack = onBack;
        this.keeper = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "ludus-cache-redis");
            t.setDaemon(true);
            return t;
        });
        keeper.scheduleWithFixedDelay(this::keep, 0, Math.max(100, retryMillis), TimeUnit.MILLISECONDS);
    }

    /** On the keeper: opens what is not open, and notices Redis coming back. */
    private void keep() {
        try {
            if (connection == null) {
                connection = redis.connect(CODEC);
            }
            if (subscription == null) {
                StatefulRedisPubSubConnection<String, String> s = redis.connectPubSub(StringCodec.UTF8);
                s.addListener(new RedisPubSubAdapter<>() {
                    @Override
                    public void message(String ch, String message) {
                        if (channel.equals(ch)) {
                            onInvalidation.accept(message);
                        }
                    }
                });
                s.sync().subscribe(channel);
                subscription = s;
            }
            if (!connection.isOpen() || !subscription.isOpen()) {
                throw new IllegalStateException("disconnected");
            }
            if (away && System.nanoTime() - awayUntil >= 0) {
                // Check with a round trip before saying so: an open socket may still lead nowhere.
                connection.async().ping().get(Math.max(timeoutMillis, 1000), TimeUnit.MILLISECONDS);
                back();
            }
        } catch (Exception e) {
            if (Thread.currentThread().isInterrupted() || e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
                return;
            }
            failed(e);
        } finally {
            tried = true;
        }
    }

    /** Whether the first attempt to reach Redis has ended (readiness waits for it; a Redis that is away does not hold it). */
    boolean tried() {
        return tried;
    }

    private synchronized void back() {
        if (!away) {
            return;
        }
        onBack.run(); // before reads go to Redis again: near entries may have missed invalidations
        away = false;
        LOG.info("shared caches: Redis at {} answers; caches use it", redis.target());
        problem = null;
    }

    /** Whether commands go to Redis now. */
    boolean usable() {
        return !away && connection != null;
    }

    boolean isAway() {
        return away;
    }

    String problem() {
        return problem;
    }

    String target() {
        return redis.target();
    }

    /** The command connection (benchmarks: a bare GET over it beside the cache's). */
    StatefulRedisConnection<String, byte[]> connection() {
        return connection;
    }

    private void failed(Throwable e) {
        errors.increment();
        String why = RedisConnector.describe(e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e);
        synchronized (this) {
            awayUntil = System.nanoTime() + retryNanos;
            if (!away) {
                LOG.warn("shared caches: Redis at {} failed ({}); reads go to the loaders, trying again every {} ms",
                        redis.target(), why, TimeUnit.NANOSECONDS.toMillis(retryNanos));
            }
            away = true;
            problem = why;
        }
    }

    private RedisAsyncCommands<String, byte[]> commands() throws Away {
        StatefulRedisConnection<String, byte[]> c = connection;
        if (away || c == null) {
            throw new Away("Redis away: " + problem);
        }
        return c.async();
    }

    void policy(Policy p) {
        policy = p;
    }

    Policy policy() {
        return policy;
    }

    /**
     * Sends a command and waits for its answer, through the policy when there is one: a command
     * the policy refuses is not sent, and the caller does without Redis as if it were away.
     */
    private <T> T run(Function<RedisAsyncCommands<String, byte[]>, RedisFuture<T>> command) throws Away {
        RedisAsyncCommands<String, byte[]> c = commands();
        Policy p = policy;
        if (p == null) {
            return await(command.apply(c));
        }
        try {
            return p.callOnce(() -> await(command.apply(c)), e -> false);
        } catch (ResilienceException e) {
            refused.increment();
            throw new Away("resilience policy " + p.name() + " refused the command: " + e.getMessage());
        }
    }

    private <T> T await(RedisFuture<T> f) throws Away {
        try {
            return f.get(timeoutMillis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            failed(e);
            throw new Away("interrupted");
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            f.cancel(false);
            failed(e);
            throw new Away(e.toString());
        }
    }

    byte[] get(String key) throws Away {
        return run(c -> c.get(key));
    }

    /** The values of {@code keys}, {@code null} for the absent ones, in order. */
    List<byte[]> mget(List<String> keys) throws Away {
        List<KeyValue<String, byte[]>> kvs = run(c -> c.mget(keys.toArray(String[]::new)));
        List<byte[]> values = new ArrayList<>(kvs.size());
        kvs.forEach(kv -> values.add(kv.hasValue() ? kv.getValue() : null));
        return values;
    }

    void set(String key, byte[] value, long ttlMillis) throws Away {
        run(c -> c.set(key, value, SetArgs.Builder.px(ttlMillis)));
    }

    void delete(Collection<String> keys) throws Away {
        if (!keys.isEmpty()) {
            run(c -> c.unlink(keys.toArray(String[]::new)));
        }
    }

    /** Deletes every key matching {@code pattern}, a batch of scanned keys at a time; how many. */
    long deleteMatching(String pattern) throws Away {
        long n = 0;
        ScanCursor cursor = ScanCursor.INITIAL;
        do {
            ScanCursor from = cursor;
            KeyScanCursor<String> page = run(c -> c.scan(from, ScanArgs.Builder.matches(pattern).limit(1000)));
            delete(page.getKeys());
            n += page.getKeys().size();
            cursor = page;
        } while (!cursor.isFinished());
        return n;
    }

    /** Tells the other nodes (best effort: one that misses it serves its near entry at most its time to live). */
    void publish(String message) {
        try {
            run(c -> c.publish(channel, message.getBytes(StandardCharsets.UTF_8)));
        } catch (Away notNow) {
            // counted; the near-caches' time to live bounds what the others serve meanwhile
        }
    }

    @Override
    public void close() {
        keeper.shutdownNow();
        try {
            keeper.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        away = true;
        StatefulRedisPubSubConnection<String, String> s = subscription;
        subscription = null;
        if (s != null) {
            s.closeAsync();
        }
        StatefulRedisConnection<String, byte[]> c = connection;
        connection = null;
        if (c != null) {
            c.closeAsync();
        }
    }
}
