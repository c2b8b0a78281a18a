package dev.ludus.bus.rabbitmq;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentNavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.TimeUnit;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.BuiltinExchangeType;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;

import dev.ludus.api.bus.OutgoingMessage;
import dev.ludus.bus.local.BusLocalBenchmark;
import dev.ludus.bus.local.BusLocalBenchmark.Result;
import dev.ludus.bus.support.BusMetrics;
import dev.ludus.bus.support.Subscriber;

/**
 * The RabbitMQ bus against the bare RabbitMQ Java client it is built on, in one run, alternating,
 * against a real broker: publish → confirm (persistent messages to a topic exchange routed to one
 * quorum queue, publisher confirms) throughput at saturation (4 threads × 256 in flight) and
 * latency at a steady rate, and publish → consumer latency (a bare consumer with manual acks on the
 * same kind of queue, beside a bus consumer group). Same payload, same broker.
 *
 * <pre>
 * mvn -B -DskipTests package -pl benchmarks -am
 * java -cp benchmarks/target/benchmarks.jar dev.ludus.bus.rabbitmq.BusRabbitBenchmark [seconds] [rounds] [rate] [host] [port]
 * </pre>
 * Defaults: 3 s per scenario, 3 rounds, 5,000/s, 127.0.0.1:5672 (guest/guest). Exchanges and
 * queues of its own, deleted at the end.
 */
public final class BusRabbitBenchmark {

    private BusRabbitBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 3;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        int rate = args.length > 2 ? Integer.parseInt(args[2]) : 5_000;
        ConnectionFactory f = new ConnectionFactory();
        f.setHost(args.length > 3 ? args[3] : "127.0.0.1");
        f.setPort(args.length > 4 ? Integer.parseInt(args[4]) : 5672);
        try (Connection admin = f.newConnection("bench-admin")) {
            System.out.printf(Locale.ROOT, "RabbitMQ bus benchmark: %s:%d (RabbitMQ %s), %d cores, Java %s, %.0f s per "
                    + "scenario, %d rounds, rate %,d/s, payload %d chars%n", f.getHost(), f.getPort(),
                    admin.getServerProperties().get("version"), Runtime.getRuntime().availableProcessors(),
                    Runtime.version(), seconds, rounds, rate, BusLocalBenchmark.PAYLOAD_CHARS);
            List<List<Result>> all = new ArrayList<>();
            for (int i = 0; i < 7; i++) {
                all.add(new ArrayList<>());
            }
            for (int r = 0; r <= rounds; r++) { // round 0 warms up the JIT, the broker and the disk; not counted
                int round = r;
                List<Result> list = new ArrayList<>();
                list.addAll(BusLocalBenchmark.pair(round, () -> bare(f, seconds, 0, false), () -> bus(f, seconds, 0, false)));
                list.addAll(BusLocalBenchmark.pair(round, () -> bare(f, seconds, rate, false),
                        () -> bus(f, seconds, rate, false)));
                list.addAll(BusLocalBenchmark.pair(round, () -> bare(f, seconds, rate, true),
                        () -> bus(f, seconds, rate, true)));
                list.add(bare(f, seconds, rate, true, true));
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
            System.out.printf(Locale.ROOT, "bus / bare at saturation: throughput x%.2f%n",
                    BusLocalBenchmark.medianRatio(all.get(1), all.get(0), 0));
            System.out.printf(Locale.ROOT, "bus / bare publish at %,d/s: p50 x%.2f, p99 x%.2f%n", rate,
                    BusLocalBenchmark.medianRatio(all.get(3), all.get(2), 0.5),
                    BusLocalBenchmark.medianRatio(all.get(3), all.get(2), 0.99));
            System.out.printf(Locale.ROOT, "bus / bare publish -> consumer at %,d/s: p50 x%.2f, p99 x%.2f%n", rate,
                    BusLocalBenchmark.medianRatio(all.get(5), all.get(4), 0.5),
                    BusLocalBenchmark.medianRatio(all.get(5), all.get(4), 0.99));
            System.out.printf(Locale.ROOT, "bus / bare with the bus's queue arguments, publish -> consumer at %,d/s: p50 x%.2f, "
                    + "p99 x%.2f%n", rate, BusLocalBenchmark.medianRatio(all.get(5), all.get(6), 0.5),
                    BusLocalBenchmark.medianRatio(all.get(5), all.get(6), 0.99));
            System.out.println("(ratios: the median over rounds of each round's bus / bare; the two alternate in order)");
        }
    }

    /** The bare client: a topic exchange, one quorum queue bound to it, confirms, a consumer with manual acks. */
    private static Result bare(ConnectionFactory f, double seconds, int rate, boolean consume) throws Exception {
        return bare(f, seconds, rate, consume, false);
    }

    /**
     * @param busQueue the queue gets the arguments the bus gives a group's queue (single active
     *                 consumer, at-least-once dead-lettering, reject-publish overflow, a delivery
     *                 limit): the same broker-side work, so the comparison is of the bus's own code
     */
    private static Result bare(ConnectionFactory f, double seconds, int rate, boolean consume, boolean busQueue)
            throws Exception {
        String exchange = "bench.bare." + Long.toHexString(System.nanoTime());
        String queue = exchange + ".q";
        try (Connection c = f.newConnection("bench-bare")) {
            Channel setup = c.createChannel();
            setup.exchangeDeclare(exchange, BuiltinExchangeType.TOPIC, true);
            Topology like = new Topology("benchlike");
            if (busQueue) {
                setup.exchangeDeclare(like.deadExchange(), BuiltinExchangeType.DIRECT, true);
            }
            setup.queueDeclare(queue, true, false, false, busQueue ? like.groupArguments("bench", 5, true)
                    : Map.of("x-queue-type", "quorum"));
            setup.queueBind(queue, exchange, "topic-0");
            BusLocalBenchmark.Deliveries d = new BusLocalBenchmark.Deliveries();
            if (consume) {
                Channel cc = c.createChannel();
                cc.basicQos(1000);
                cc.basicConsume(queue, false, new DefaultConsumer(cc) {
                    @Override
                    public void handleDelivery(String tag, Envelope e, AMQP.BasicProperties p, byte[] body)
                            throws java.io.IOException {
                        d.saw(new String(body, StandardCharsets.UTF_8));
                        cc.basicAck(e.getDeliveryTag(), false);
                    }
                });
            }
            Channel pub = c.createChannel();
            pub.confirmSelect();
            ConcurrentNavigableMap<Long, CompletableFuture<Void>> pending = new ConcurrentSkipListMap<>();
            pub.addConfirmListener((tag, multiple) -> complete(pending, tag, multiple),
                    (tag, multiple) -> complete(pending, tag, multiple));
            Object lock = new Object();
            AMQP.BasicProperties props = new AMQP.BasicProperties.Builder().deliveryMode(2).contentType("application/json")
                    .build();
            String name = (consume ? "bare publish -> consumer" : "bare publish") + (busQueue ? ", bus's queue" : "")
                    + (rate > 0 ? " at " + rate + "/s" : "");
            Result published = BusLocalBenchmark.drive(name, seconds, rate, n -> {
                CompletableFuture<Void> done = new CompletableFuture<>();
                synchronized (lock) {
                    pending.put(pub.getNextPublishSeqNo(), done);
                    try {
                        pub.basicPublish(exchange, "topic-0", false, props,
                                BusLocalBenchmark.payload(System.nanoTime()).getBytes(StandardCharsets.UTF_8));
                    } catch (java.io.IOException e) {
                        done.completeExceptionally(e);
                    }
                }
                return done;
            });
            Result r = consume ? d.result(name, published) : published;
            setup.queueDelete(queue);
            setup.exchangeDelete(exchange);
            if (busQueue) {
                setup.exchangeDelete(like.deadExchange());
            }
            return r;
        }
    }

    private static void complete(ConcurrentNavigableMap<Long, CompletableFuture<Void>> pending, long tag, boolean multiple) {
        Map<Long, CompletableFuture<Void>> done = multiple ? pending.headMap(tag, true) : pending.subMap(tag, true, tag, true);
        done.values().forEach(x -> x.complete(null));
        done.clear();
    }

    private static Result bus(ConnectionFactory f, double seconds, int rate, boolean consume) throws Exception {
        Topology t = new Topology("bench" + Long.toHexString(System.nanoTime()));
        RabbitBus bus = RabbitBus.open(f.clone(), f.getHost(), new RabbitBus.Settings(t, 4, 1000, Duration.ofSeconds(5),
                100_000), new BusMetrics("rabbitmq"));
        try {
            BusLocalBenchmark.Deliveries d = new BusLocalBenchmark.Deliveries();
            // The group's queue is bound to topic-0 whether or not it consumes: the same routing as the bare run.
            Subscriber group = new Subscriber("bench", "bench", List.of("topic-0"), x -> d.saw(x.message().payload()), 5,
                    100, 1000, "benchmark", "0");
            bus.subscribe(group);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (System.nanoTime() < deadline && !queueReady(bus, t)) {
                Thread.sleep(20);
            }
            if (!consume) {
                bus.unsubscribe(group.identity()); // the queue stays, with no consumer, as in the bare run
            }
            String name = (consume ? "bus publish -> consumer" : "bus publish") + (rate > 0 ? " at " + rate + "/s" : "");
            Result published = BusLocalBenchmark.drive(name, seconds, rate, n -> bus.publish(
                    OutgoingMessage.of("topic-0", null, BusLocalBenchmark.payload(System.nanoTime()))));
            return consume ? d.result(name, published) : published;
        } finally {
            bus.close();
            try (Connection c = f.newConnection("bench-cleanup"); Channel ch = c.createChannel()) {
                ch.queueDelete(t.groupQueue("bench"));
                ch.queueDelete(t.deadQueue("bench"));
                ch.exchangeDelete(t.exchange());
                ch.exchangeDelete(t.deadExchange());
            }
        }
    }

    private static boolean queueReady(RabbitBus bus, Topology t) {
        if (!bus.ready()) {
            return false;
        }
        try (Channel ch = bus.connection().createChannel()) {
            return ch.queueDeclarePassive(t.groupQueue("bench")).getConsumerCount() > 0; // bound and consumed
        } catch (Exception e) {
            return false;
        }
    }
}
