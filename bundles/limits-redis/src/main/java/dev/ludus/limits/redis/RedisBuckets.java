package dev.ludus.limits.redis;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

import dev.ludus.api.limits.Decision;
import dev.ludus.api.limits.LimitPolicy;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.distributed.proxy.AsyncProxyManager;
import io.github.bucket4j.redis.lettuce.Bucket4jLettuce;
import io.lettuce.core.KeyValue;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;

/**
 * Token buckets in Redis, over one Lettuce connection: Bucket4j's compare-and-swap buckets (its
 * Lettuce integration) for the tokens, and two small keys of this limiter's for the block that
 * repeated refusals earn. Every node that uses the same Redis, database and prefix shares them.
 *
 * <p>Keys, under the prefix:
 * <ul>
 * <li>{@code b:<policy>:<capacity>-<tokens>-<period ms>:<key>}: the bucket (Bucket4j's state). The
 * policy's numbers are part of the name, so a changed policy starts full buckets of its own; nodes
 * in the middle of a configuration change never fight over one bucket's configuration. Expires
 * once it has refilled (plus ten seconds).</li>
 * <li>{@code x:<policy>:<key>}: a block, until the epoch millisecond it holds (expires then).</li>
 * <li>{@code s:<policy>:<key>}: refusals in a row; gone after an allowed request or one refill
 * period.</li>
 * </ul>
 *
 * <p>A decision is one MGET of the block and streak keys sent together with Bucket4j's GET and
 * compare-and-swap of the bucket; a refusal under a policy with a block adds one script call.
 */
final class RedisBuckets {

    /** Counts a refusal; the second in a row sets the block. KEYS: streak, block. ARGV: streak ttl, until, block ttl. */
    private static final String REFUSED = """
            local n = redis.call('INCR', KEYS[1])
            redis.call('PEXPIRE', KEYS[1], ARGV[1])
            if n >= 2 then
              redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3])
              redis.call('DEL', KEYS[1])
              return 1
            end
            return 0
            """;

    private final RedisAsyncCommands<String, byte[]> commands;
    private final AsyncProxyManager<String> buckets;
    private final String prefix;
    /** Bucket key parts of each policy seen here, so that a reset can find its buckets. */
    private final Map<String, Set<String>> shapes = new ConcurrentHashMap<>();

    RedisBuckets(StatefulRedisConnection<String, byte[]> connection, String prefix) {
        this.commands = connection.async();
        this.prefix = prefix;
        this.buckets = Bucket4jLettuce.casBasedBuilder(connection)
                .expirationAfterWrite(ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(Duration.ofSeconds(10)))
                .build().asAsync();
    }

    /** The decision for {@code cost} tokens of {@code policy}'s bucket of {@code key}; shadow is not applied here. */
    CompletableFuture<Decision> acquire(LimitPolicy policy, String key, long cost) {
        boolean blocks = !policy.blockFor().isZero();
        String id = policy.name() + ":" + key;
        CompletableFuture<List<KeyValue<String, byte[]>>> marks = blocks
                ? commands.mget(prefix + "x:" + id, prefix + "s:" + id).toCompletableFuture()
                : CompletableFuture.completedFuture(List.of());
        CompletableFuture<ConsumptionProbe> probe = buckets.builder()
                .build(bucketKey(policy, key), () -> CompletableFuture.completedFuture(configuration(policy)))
                .tryConsumeAndReturnRemaining(cost);
        return marks.thenCombine(probe, (m, p) -> new Answer(m, p)).thenCompose(a -> decide(a, policy, id, cost));
    }

    private record Answer(List<KeyValue<String, byte[]>> marks, ConsumptionProbe probe) {
        long blockedUntil() {
            return marks.isEmpty() || !marks.get(0).hasValue() ? 0 : Long.parseLong(text(marks.get(0).getValue()));
        }

        boolean streak() {
            return marks.size() > 1 && marks.get(1).hasValue();
        }
    }

    private CompletionStage<Decision> decide(Answer a, LimitPolicy policy, String id, long cost) {
        long until = a.blockedUntil();
        long now = System.currentTimeMillis();
        if (until > now) {
            return CompletableFuture.completedFuture(Decision.refuse(until - now, true));
        }
        ConsumptionProbe p = a.probe();
        if (p.isConsumed()) {
            if (a.streak()) {
                commands.del(prefix + "s:" + id); // an allowed request ends the streak; no need to wait for it
            }
            return CompletableFuture.completedFuture(Decision.allow(p.getRemainingTokens()));
        }
        long wait = cost > policy.capacity() ? Long.MAX_VALUE / 2_000_000 : millisUp(p.getNanosToWaitForRefill());
        if (policy.blockFor().isZero()) {
            return CompletableFuture.completedFuture(Decision.refuse(wait, false));
        }
        long block = policy.blockFor().toMillis();
        long streakTtl = Math.max(1000, policy.period().toMillis());
        return commands.<Long>eval(REFUSED, ScriptOutputType.INTEGER,
                        new String[] {prefix + "s:" + id, prefix + "x:" + id},
                        bytes(streakTtl), bytes(now + block), bytes(block))
                .thenApply(blocked -> blocked == 1L ? Decision.refuse(block, true) : Decision.refuse(wait, false));
    }

    /** Forgets {@code key}'s block, streak and the buckets of {@code policy} that this node has used. */
    CompletableFuture<Long> reset(String policy, String key) {
        String id = policy + ":" + key;
        List<String> keys = new java.util.ArrayList<>(List.of(prefix + "x:" + id, prefix + "s:" + id));
        for (String shape : shapes.getOrDefault(policy, Set.of())) {
            keys.add(prefix + "b:" + policy + ":" + shape + ":" + key);
        }
        return commands.del(keys.toArray(String[]::new)).toCompletableFuture();
    }

    /** A Redis round trip on the same connection (the benchmark's baseline). */
    CompletableFuture<String> ping() {
        return commands.ping().toCompletableFuture();
    }

    String bucketKey(LimitPolicy policy, String key) {
        String shape = policy.capacity() + "-" + policy.tokens() + "-" + policy.period().toMillis();
        Set<String> known = shapes.get(policy.name());
        if (known == null || !known.contains(shape)) {
            shapes.computeIfAbsent(policy.name(), n -> ConcurrentHashMap.newKeySet()).add(shape);
        }
        return prefix + "b:" + policy.name() + ":" + shape + ":" + key;
    }

    private static BucketConfiguration configuration(LimitPolicy p) {
        return BucketConfiguration.builder()
                .addLimit(Bandwidth.builder().capacity(p.capacity()).refillGreedy(p.tokens(), p.period())
                        .initialTokens(p.capacity()).build())
                .build();
    }

    private static long millisUp(long nanos) {
        return Math.max(1, (nanos + 999_999) / 1_000_000);
    }

    private static byte[] bytes(long n) {
        return Long.toString(n).getBytes(StandardCharsets.US_ASCII);
    }

    private static String text(byte[] b) {
        return new String(b, StandardCharsets.US_ASCII);
    }
}
