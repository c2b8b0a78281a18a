package dev.ludus.gateway;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.util.RawValue;

/**
 * The per-player cost of one game event's message. The gateway writes an event's data once (the
 * part every player at the table shares) and wraps it per player in an envelope that differs
 * only in {@code seq}. This measures the envelope joined as text (as the gateway did) against
 * Jackson writing the very same bytes: the gateway's record with the data as a raw member (as it
 * does now), a tree with the data as a raw value, and Jackson's streaming generator. Each variant
 * is checked to give exactly the concatenation's bytes before anything is measured.
 *
 * <pre>java -jar benchmarks/target/benchmarks.jar EventEnvelopeBenchmark -prof gc</pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(2)
public class EventEnvelopeBenchmark {

    private final Protocol protocol = new Protocol();
    private final ObjectMapper mapper = new ObjectMapper();
    private final JsonFactory factory = mapper.getFactory();

    private final String roomId = "r-7f3c2a91";
    private final long version = 412;
    private final String type = "played";
    private Map<String, Object> data;
    private long seq;

    @Setup(Level.Trial)
    public void setUp() {
        // A "played" event as the Liap Tui engine publishes it.
        data = new LinkedHashMap<>();
        data.put("seat", 2);
        data.put("pieces", List.of(5, 6, 17, 23));
        data.put("type", "STRAIGHT");
        data.put("competes", true);
        List<Supplier<String>> variants = List.of(this::concatenation, this::jacksonRecord, this::jacksonTree,
                this::jacksonGenerator);
        List<String> written = variants.stream().map(v -> {
            seq = 1_000;
            return v.get();
        }).toList();
        if (written.stream().distinct().count() != 1) {
            throw new IllegalStateException("the variants do not write the same message: " + written);
        }
    }

    /** What the gateway did before: the envelope joined as text. */
    @Benchmark
    public String concatenation() {
        long s = ++seq;
        return "{\"type\":\"event\",\"seq\":" + s + ",\"roomId\":" + protocol.quote(roomId) + ",\"v\":"
                + version + ",\"name\":" + protocol.quote(type) + ",\"data\":" + protocol.sharedJson(data) + "}";
    }

    /** What the gateway does now ({@code PlayerSession.emitEvent}): a record, the data as a raw member. */
    @Benchmark
    public String jacksonRecord() {
        long s = ++seq;
        return protocol.json(new ServerEvent.Event(s, roomId, version, type, protocol.sharedJson(data)));
    }

    @Benchmark
    public String jacksonTree() {
        long s = ++seq;
        ObjectNode m = mapper.createObjectNode();
        m.put("type", "event");
        m.put("seq", s);
        m.put("roomId", roomId);
        m.put("v", version);
        m.put("name", type);
        m.putRawValue("data", new RawValue(protocol.sharedJson(data)));
        try {
            return mapper.writeValueAsString(m);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Benchmark
    public String jacksonGenerator() {
        long s = ++seq;
        StringWriter out = new StringWriter(160);
        try (JsonGenerator g = factory.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("type", "event");
            g.writeNumberField("seq", s);
            g.writeStringField("roomId", roomId);
            g.writeNumberField("v", version);
            g.writeStringField("name", type);
            g.writeFieldName("data");
            g.writeRawValue(protocol.sharedJson(data));
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }
}
