package dev.ludus.api.metrics;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.Test;

public class MetricNameTest {

    @Test
    public void canonicalFormSortsLabelsByName() {
        MetricName n = MetricName.of("ludus_gateway_requests", Map.of("type", "act", "result", "ok"));
        assertEquals("ludus_gateway_requests{result=\"ok\",type=\"act\"}", n.toString());
        assertEquals(List.of("result", "type"), List.copyOf(n.labels().keySet()));
    }

    @Test
    public void aSeriesWithoutLabelsIsItsFamily() {
        assertEquals("ludus_rooms_open", MetricName.of("ludus_rooms_open").toString());
        assertEquals(MetricName.of("ludus_rooms_open"), MetricName.parse("ludus_rooms_open"));
        assertEquals(MetricName.of("ludus_rooms_open"), MetricName.parse("ludus_rooms_open{}"));
    }

    @Test
    public void valuesAreEscapedAsInThePrometheusTextFormat() {
        MetricName n = MetricName.of("x").with("path", "a\\b \"quoted\"\nnext, {x=\"y\"}");
        assertEquals("x{path=\"a\\\\b \\\"quoted\\\"\\nnext, {x=\\\"y\\\"}\"}", n.toString());
    }

    @Test
    public void parseReadsBackWhatToStringWrote() {
        for (MetricName n : List.of(MetricName.of("a"), MetricName.of("ludus:b_c", Map.of("x", "")),
                MetricName.of("x").with("path", "a\\b \"q\"\n}{,=").with("_under", "é ✓").with(MetricLabels.BUNDLE,
                        "dev.ludus.gateway").with(MetricLabels.BUNDLE_VERSION, "0.1.0.SNAPSHOT"))) {
            assertEquals(n.toString(), n, MetricName.parse(n.toString()));
        }
    }

    @Test
    public void parseAcceptsLabelsInAnyOrder() {
        assertEquals(MetricName.parse("f{a=\"1\",b=\"2\"}"), MetricName.parse("f{b=\"2\",a=\"1\"}"));
    }

    @Test
    public void withReplacesAValueAndLeavesTheOriginalAlone() {
        MetricName a = MetricName.of("f").with("k", "1");
        MetricName b = a.with("k", "2");
        assertEquals("f{k=\"1\"}", a.toString());
        assertEquals("f{k=\"2\"}", b.toString());
    }

    @Test
    public void labelsAreCopiedAndCannotBeChanged() {
        Map<String, String> labels = new HashMap<>(Map.of("k", "v"));
        MetricName n = MetricName.of("f", labels);
        labels.put("k", "other");
        assertEquals("v", n.labels().get("k"));
        assertThrows(UnsupportedOperationException.class, () -> n.labels().put("k", "w"));
    }

    @Test
    public void invalidFamiliesAreRefusedWithTheRule() {
        for (String family : new String[] {"", "1abc", "a-b", "a.b", "a b", "ä"}) {
            IllegalArgumentException e = assertThrows(family, IllegalArgumentException.class, () -> MetricName.of(family));
            assertTrue(e.getMessage(), e.getMessage().contains("invalid metric family name '" + family + "'"));
        }
        assertThrows(IllegalArgumentException.class, () -> MetricName.of(null));
    }

    @Test
    public void invalidLabelsAreRefusedWithTheRule() {
        assertMessage("must match", () -> MetricName.of("f").with("a-b", "v"));
        assertMessage("must match", () -> MetricName.of("f").with("1a", "v"));
        assertMessage("reserved by Prometheus", () -> MetricName.of("f").with("__name__", "v"));
        assertMessage("added by the exposition", () -> MetricName.of("f").with("quantile", "0.5"));
        assertMessage("added by the exposition", () -> MetricName.of("f").with("le", "1"));
        assertMessage("has no value", () -> MetricName.of("f").with("k", null));
    }

    @Test
    public void malformedNamesAreRefusedSayingWhere() {
        assertMessage("expected label=\"value\"", () -> MetricName.parse("f{a}"));
        assertMessage("expected '\"' to open", () -> MetricName.parse("f{a=1}"));
        assertMessage("is not closed by '\"'", () -> MetricName.parse("f{a=\"1}"));
        assertMessage("unknown escape", () -> MetricName.parse("f{a=\"\\t\"}"));
        assertMessage("given twice", () -> MetricName.parse("f{a=\"1\",a=\"2\"}"));
        assertMessage("expected ',' or '}'", () -> MetricName.parse("f{a=\"1\"b=\"2\"}"));
        assertMessage("expected ',' or '}'", () -> MetricName.parse("f{a=\"1\""));
        assertMessage("not closed by '}'", () -> MetricName.parse("f{"));
        assertMessage("nothing may follow", () -> MetricName.parse("f{a=\"1\"}x"));
        assertMessage("invalid metric family name", () -> MetricName.parse("jvm.memory{a=\"1\"}"));
        assertMessage("invalid metric family name", () -> MetricName.parse("jvm.memory.used"));
    }

    private static void assertMessage(String part, org.junit.function.ThrowingRunnable r) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, r);
        assertTrue(e.getMessage(), e.getMessage().contains(part));
    }
}
