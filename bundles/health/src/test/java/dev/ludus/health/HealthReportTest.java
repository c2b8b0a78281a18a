package dev.ludus.health;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.File;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.Test;

import dev.ludus.api.health.HealthCheck;
import dev.ludus.api.health.HealthResult;
import dev.ludus.api.health.HealthStatus;

public class HealthReportTest {

    private static HealthCheck check(String name, HealthResult result) {
        return new HealthCheck() {
            @Override public String name() { return name; }
            @Override public HealthResult check() { return result; }
        };
    }

    @Test
    public void noChecksIsUpWith200() {
        HealthReport report = HealthReport.run(List.of());
        assertEquals(HealthStatus.UP, report.status());
        assertEquals(200, report.httpStatus());
        assertEquals("{\"status\":\"UP\",\"components\":{}}", report.toJson(true));
    }

    @Test
    public void statusIsTheWorstComponent() {
        HealthReport report = HealthReport.run(List.of(
                check("a", HealthResult.up()),
                check("b", HealthResult.degraded("queue filling", Map.of("depth", 12))),
                check("c", HealthResult.up())));
        assertEquals(HealthStatus.DEGRADED, report.status());
        assertEquals("degraded still serves traffic", 200, report.httpStatus());
        assertEquals("{\"status\":\"DEGRADED\",\"components\":{\"a\":{\"status\":\"UP\"},"
                + "\"b\":{\"status\":\"DEGRADED\",\"reason\":\"queue filling\",\"details\":{\"depth\":12}},"
                + "\"c\":{\"status\":\"UP\"}}}", report.toJson(true));
    }

    @Test
    public void downAnswers503() {
        HealthReport report = HealthReport.run(List.of(
                check("db", HealthResult.down("connection refused", Map.of())),
                check("q", HealthResult.degraded("slow", Map.of()))));
        assertEquals(HealthStatus.DOWN, report.status());
        assertEquals(503, report.httpStatus());
    }

    @Test
    public void throwingOrNullCheckIsDownNotAnError() {
        HealthCheck throwing = new HealthCheck() {
            @Override public String name() { return "boom"; }
            @Override public HealthResult check() { throw new IllegalStateException("kaput"); }
        };
        HealthReport report = HealthReport.run(List.of(throwing, check("nil", null)));
        assertEquals(HealthStatus.DOWN, report.components().get("boom").status());
        assertTrue(report.components().get("boom").reason().contains("kaput"));
        assertEquals(HealthStatus.DOWN, report.components().get("nil").status());
    }

    @Test
    public void duplicateNamesAreKeptApart() {
        HealthReport report = HealthReport.run(List.of(
                check("x", HealthResult.up()), check("x", HealthResult.down("second", Map.of()))));
        assertEquals(2, report.components().size());
        assertEquals(HealthStatus.DOWN, report.components().get("x#2").status());
    }

    @Test
    public void withoutDetailsOnlyStatusesAreShown() {
        HealthReport report = HealthReport.run(List.of(
                check("q", HealthResult.degraded("segment /srv/ludus/data/events/1.log unreadable", Map.of("secret", 1))),
                check("r", HealthResult.up(Map.of("dir", "/srv/ludus/data")))));
        assertEquals("{\"status\":\"DEGRADED\",\"components\":{\"q\":{\"status\":\"DEGRADED\"},"
                + "\"r\":{\"status\":\"UP\"}}}", report.toJson(false));
    }

    @Test
    public void stringsAreEscaped() {
        HealthReport report = HealthReport.run(List.of(
                check("q", HealthResult.degraded("say \"hi\"\n<b>", Map.of()))));
        assertEquals("{\"status\":\"DEGRADED\",\"components\":{\"q\":{\"status\":\"DEGRADED\","
                + "\"reason\":\"say \\\"hi\\\"\\n\\u003cb\\u003e\"}}}", report.toJson(true));
    }

    @Test
    public void separatorsAndControlCharactersKeepTheirEscapes() {
        HealthReport report = HealthReport.run(List.of(
                check("q", HealthResult.degraded("a\u2028b\u2029c&d\be\ff\u0001\u00e9", Map.of()))));
        assertEquals("{\"status\":\"DEGRADED\",\"components\":{\"q\":{\"status\":\"DEGRADED\","
                + "\"reason\":\"a\\u2028b\\u2029c\\u0026d\\u0008e\\u000cf\\u0001\u00e9\"}}}", report.toJson(true));
    }

    @Test
    public void detailsKeepTheirShapeAndOddValuesShowAsText() {
        Map<String, Object> nested = new LinkedHashMap<>();
        nested.put("z", 1);
        nested.put("a", List.of(true, 2.5, "x"));
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("nested", nested);
        details.put("nan", Double.NaN);
        details.put("counter", new AtomicLong(7));
        details.put("big", new BigDecimal("12.50"));
        details.put("path", Path.of("data", "events"));
        details.put("none", Optional.empty());
        HealthReport report = HealthReport.run(List.of(check("d", HealthResult.up(details))));
        assertEquals("{\"status\":\"UP\",\"components\":{\"d\":{\"status\":\"UP\",\"details\":{"
                + "\"big\":12.50,\"counter\":7,\"nan\":null,\"nested\":{\"z\":1,\"a\":[true,2.5,\"x\"]},"
                + "\"none\":\"Optional.empty\",\"path\":\"data" + File.separator + "events\"}}}}", report.toJson(true));
    }
}
