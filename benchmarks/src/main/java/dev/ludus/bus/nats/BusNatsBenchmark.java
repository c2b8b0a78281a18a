package dev.ludus.bus.nats;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import dev.ludus.api.bus.OutgoingMessage;
import dev.ludus.bus.local.BusLocalBenchmark;
import dev.ludus.bus.local.BusLocalBenchmark.Result;
import dev.ludus.bus.support.BusMetrics;
import dev.ludus.bus.support.Subscriber;
import io.nats.client.Connection;
import io.nats.client.ConsumeOptions;
import io.nats.client.IterableConsumer;
import io.nats.client.JetStream;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.PublishOptions;
import io.nats.client.api.AckPolicy;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;

/**
 * The NATS bus against the bare jnats client it is built on, in one run, alternating, against a
 * real NATS server with JetStream: publish → durable acknowledgement (a JetStream publish with its
 * ack, file storage) throughput at saturation (4 threads × 256 in flight, 16 topics; the bare client
 * once without and once with a {@code Nats-Msg-Id} per message, which the bus always sends for
 * duplicate detection) and latency at a steady rate, and publish → consumer latency on one topic (a
 * bare durable pull consumer with explicit acks, beside a bus consumer group). Same payload, same
 * server, same file storage.
 *
 * <pre>
 * mvn -B -DskipTests package -pl benchmarks -am
 * java -cp benchmarks/target/benchmarks.jar dev.ludus.bus.nats.BusNatsBenchmark [seconds] [rounds] [rate] [url]
 * </pre>
 * Defaults: 3 s per scenario, 3 rounds, 5,000/s, {@code nats://127.0.0.1:4222}. Prints each round,
 * the medians and the bus/bare ratios of the medians. Streams of its own, deleted at the end.
 */
public final class BusNatsBenchmark {

    private static final String BARE_STREAM = "BENCH_BARE";

    private BusNatsBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 3;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        int rate = args.length > 2 ? Integer.parseInt(args[2]) : 5_000;
        String url = args.length > 3 ? args[3] : "nats://127.0.0.1:4222";
        Options options = new Options.Builder().server(url).maxReconnects(-1).requestCleanupInterval(Duration.ofSeconds(1)).errorListener(new io.nats.client.ErrorListener() { })
                .build();
        try (Connection admin = Nats.connect(options)) {
            System.out.printf(Locale.ROOT, "NATS bus benchmark: %s (NATS %s), %d cores, Java %s, %.0f s per scenario, "
                    + "%d rounds, rate %,d/s, payload %d chars%n", url, admin.getServerInfo().getVersion(),
                    Runtime.getRuntime().availableProcessors(), Runtime.version(), seconds, rounds, rate,
                    BusLocalBenchmark.PAYLOAD_CHARS);
            List<List<Result>> all = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                all.add(new ArrayList<>());
            }
            for (int r = 0; r <= rounds; r++) { // round 0 warms up the JIT, the broker and the disk; not counted
                int round = r;
                List<Result> list = new ArrayList<>();
                list.add(bare(options, admin, seconds, 0, false, false));
                list.addAll(BusLocalBenchmark.pair(round, () -> bare(options, admin, seconds, 0, false, true),
                        () -> bus(options, admin, seconds, 0, false)));
                list.addAll(BusLocalBenchmark.pair(round, () -> bare(options, admin, seconds, rate, false, true),
                        () -> bus(options, admin, seconds, rate, false)));
                list.addAll(BusLocalBenchmark.pair(round, () -> bare(options, admin, seconds, rate, true, true),
                        () -> bus(options, admin, seconds, rate, true)));
                // The split, on the bus's own stream: which side of the bus costs the consumer path.
                list.add(split(options, admin, seconds, rate, false, false));
                list.add(split(options, admin, seconds, rate, true, false));
                list.add(split(options, admin, seconds, rate, false, true));
                for (int i = 0; i < list.size(); i++) {
                    BusLocalBenchmark.print(r == 0 ? "warm-up" : "round " + r, list.get(i));
                    if (r > 0) {
                        all.get(i).add(list.get(i));
                    }
                }
            }
            System.out.println("medians:");
            List<Result> m = all.stream().map(BusLocalBenchmark::median).toList();
            m.forEach(x -> BusLocalBenchmark.print("", x));
            System.out.printf(Locale.ROOT, "bus / bare with ids at saturation: throughput x%.2f (ids / no ids: x%.2f)%n",
                    BusLocalBenchmark.medianRatio(all.get(2), all.get(1), 0),
                    BusLocalBenchmark.medianRatio(all.get(1), all.get(0), 0));
            System.out.printf(Locale.ROOT, "bus / bare publish at %,d/s: p50 x%.2f, p99 x%.2f%n", rate,
                    BusLocalBenchmark.medianRatio(all.get(4), all.get(3), 0.5),
                    BusLocalBenchmark.medianRatio(all.get(4), all.get(3), 0.99));
            System.out.printf(Locale.ROOT, "bus / bare publish -> consumer at %,d/s: p50 x%.2f, p99 x%.2f%n", rate,
                    BusLocalBenchmark.medianRatio(all.get(6), all.get(5), 0.5),
                    BusLocalBenchmark.medianRatio(all.get(6), all.get(5), 0.99));
            System.out.printf(Locale.ROOT, "on the bus's stream, p50 against a bare publish and a bare consumer: the bus's "
                    + "publish x%.2f, the bus's consumer x%.2f%n", BusLocalBenchmark.medianRatio(all.get(8), all.get(7), 0.5),
                    BusLocalBenchmark.medianRatio(all.get(9), all.get(7), 0.5));
            System.out.println("(ratios: the median over rounds of each round's bus / bare; the two alternate in order)");
        }
    }

    /**
     * The bare client: JetStream publishes with their acks over 16 subjects (one, when a consumer
     * reads them), with a {@code Nats-Msg-Id} each when {@code ids} (what the bus asks of the server,
     * for its duplicate detection), and a durable pull consumer with explicit acks.
     */
    private static Result bare(Options options, Connection admin, double seconds, int rate, boolean consume,
                               boolean ids) throws Exception {
        JetStreamManagement jsm = admin.jetStreamManagement();
        delete(jsm, BARE_STREAM);
        jsm.addStream(StreamConfiguration.builder().name(BARE_STREAM).subjects("bench.bare.>")
                .storageType(StorageType.File).build());
        try (Connection c = Nats.connect(options)) {
            JetStream js = c.jetStream();
            BusLocalBenchmark.Deliveries d = new BusLocalBenchmark.Deliveries();
            Thread puller = null;
            IterableConsumer[] it = new IterableConsumer[1];
            if (consume) {
                jsm.addOrUpdateConsumer(BARE_STREAM, ConsumerConfiguration.builder().durable("bench")
                        .ackPolicy(AckPolicy.Explicit).maxAckPending(1000).build());
                it[0] = c.getConsumerContext(BARE_STREAM, "bench").iterate(ConsumeOptions.builder().batchSize(256).build());
                puller = new Thread(() -> pull(it[0], m -> {
                    d.saw(new String(m.getData(), StandardCharsets.UTF_8));
                    m.ack();
                }), "bench-bare-consumer");
                puller.setDaemon(true);
                puller.start();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (System.nanoTime() < deadline && !pulling(admin, BARE_STREAM, "bench")) {
                    Thread.sleep(10);
                }
            }
            String name = (consume ? "bare publish -> consumer" : ids ? "bare publish, ids" : "bare publish")
                    + (rate > 0 ? " at " + rate + "/s" : "");
            int subjects = consume ? 1 : 16;
            Result published = BusLocalBenchmark.drive(name, seconds, rate, n -> js.publishAsync(
                    "bench.bare." + (n % subjects), BusLocalBenchmark.payload(System.nanoTime()).getBytes(StandardCharsets.UTF_8),
                    ids ? PublishOptions.builder().messageId("m" + n).build() : null));
            if (!consume) {
                return published;
            }
            Result r = d.result(name, published);
            it[0].stop();
            return r;
        } finally {
            delete(jsm, BARE_STREAM);
        }
    }

    /**
     * Publish → consumer on the bus's own stream and subject, each side either the bus or the bare
     * client (a bare publish with a message id; a bare durable pull consumer filtered to the
     * subject, explicit acks, on a dispatcher): which side of the bus adds to the consumer path.
     */
    private static Result split(Options options, Connection admin, double seconds, int rate, boolean busPublish,
                                boolean busConsume) throws Exception {
        Names names = new Names("split" + Long.toHexString(System.nanoTime()));
        NatsBus bus = openBus(options, names);
        try (Connection c = Nats.connect(options)) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!bus.ready() && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            BusLocalBenchmark.Deliveries d = new BusLocalBenchmark.Deliveries();
            String subject = names.topicSubject("topic-0");
            String consumer;
            if (busConsume) {
                bus.subscribe(new Subscriber("bench", "bench", List.of("topic-0"), x -> d.saw(x.message().payload()), 5,
                        100, 1000, "benchmark", "0"));
                consumer = names.consumer("bench", "topic-0");
            } else {
                consumer = "bare";
                admin.jetStreamManagement().addOrUpdateConsumer(names.stream(), ConsumerConfiguration.builder()
                        .durable(consumer).filterSubject(subject).ackPolicy(AckPolicy.Explicit).maxAckPending(1000).build());
                c.getConsumerContext(names.stream(), consumer).consume(ConsumeOptions.builder().batchSize(256).build(),
                        c.createDispatcher(), m -> {
                            if (m.isJetStream()) {
                                d.saw(new String(m.getData(), StandardCharsets.UTF_8));
                                m.ack();
                            }
                        });
            }
            while (System.nanoTime() < deadline && !pulling(admin, names.stream(), consumer)) {
                Thread.sleep(10);
            }
            JetStream js = c.jetStream();
            String name = (busPublish ? "bus" : "bare") + " publish -> " + (busConsume ? "bus" : "bare")
                    + " consumer, bus stream, at " + rate + "/s";
            Result published = BusLocalBenchmark.drive(name, seconds, rate, n -> busPublish
                    ? bus.publish(OutgoingMessage.of("topic-0", null, BusLocalBenchmark.payload(System.nanoTime())))
                    : js.publishAsync(subject, BusLocalBenchmark.payload(System.nanoTime()).getBytes(StandardCharsets.UTF_8),
                            PublishOptions.builder().messageId("m" + n).build()));
            return d.result(name, published);
        } finally {
            bus.close();
            delete(admin.jetStreamManagement(), names.stream());
            delete(admin.jetStreamManagement(), names.deadStream());
        }
    }

    /** Whether the durable consumer exists and has a pull request waiting for messages. */
    private static boolean pulling(Connection admin, String stream, String consumer) {
        try {
            return admin.jetStreamManagement().getConsumerInfo(stream, consumer).getNumWaiting() > 0;
        } catch (Exception notYet) {
            return false;
        }
    }

    private static void pull(IterableConsumer it, Consumer<Message> each) {
        try {
            while (true) {
                Message m = it.nextMessage(Duration.ofMillis(500));
                if (m != null) {
                    each.accept(m);
                } else if (it.isStopped()) {
                    return;
                }
            }
        } catch (Exception e) {
            // stopped
        }
    }

    /** A bus of its own streams, as the benchmark runs it (4 lanes, 1,000 in flight, 30 s ack wait). */
    private static NatsBus openBus(Options options, Names names) {
        return NatsBus.open(() -> {
            try {
                return Nats.connect(options);
            } catch (InterruptedException e) {
                throw new java.io.IOException(e);
            }
        }, options.getServers().toString(), new NatsBus.Settings(names, Duration.ofHours(1), Duration.ofMinutes(2), 4,
                1000, Duration.ofSeconds(30), 100_000, Duration.ofSeconds(5)), new BusMetrics("nats"));
    }

    private static Result bus(Options options, Connection admin, double seconds, int rate, boolean consume)
            throws Exception {
        Names names = new Names("bench" + Long.toHexString(System.nanoTime()));
        NatsBus bus = openBus(options, names);
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!bus.ready() && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            BusLocalBenchmark.Deliveries d = new BusLocalBenchmark.Deliveries();
            if (consume) {
                bus.subscribe(new Subscriber("bench", "bench", List.of("topic-0"), x -> d.saw(x.message().payload()), 5,
                        100, 1000, "benchmark", "0"));
                // As in the bare run, publishing starts once the consumer waits for messages.
                while (System.nanoTime() < deadline && !pulling(admin, names.stream(), names.consumer("bench", "topic-0"))) {
                    Thread.sleep(10);
                }
            }
            String name = (consume ? "bus publish -> consumer" : "bus publish") + (rate > 0 ? " at " + rate + "/s" : "");
            int topics = consume ? 1 : 16;
            Result published = BusLocalBenchmark.drive(name, seconds, rate, n -> bus.publish(
                    OutgoingMessage.of("topic-" + (n % topics), null, BusLocalBenchmark.payload(System.nanoTime()))));
            return consume ? d.result(name, published) : published;
        } finally {
            bus.close();
            delete(admin.jetStreamManagement(), names.stream());
            delete(admin.jetStreamManagement(), names.deadStream());
        }
    }

    private static void delete(JetStreamManagement jsm, String stream) throws Exception {
        try {
            jsm.deleteStream(stream);
        } catch (JetStreamApiException gone) {
            // not there
        }
    }
}
