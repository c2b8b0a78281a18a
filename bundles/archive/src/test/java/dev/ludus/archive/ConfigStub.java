package dev.ludus.archive;

import java.lang.reflect.Proxy;
import java.util.Map;

/** Configuration annotation instances for tests: given values, defaults otherwise. */
final class ConfigStub {

    private ConfigStub() {
    }

    static QueuedArchiveService.Config archive(String target, int batchSize, int retentionDays) {
        return of(QueuedArchiveService.Config.class, Map.of("backend_target", target, "batchSize", batchSize,
                "retentionDays", retentionDays));
    }

    static <A> A of(Class<A> type, Map<String, Object> values) {
        return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (proxy, method, args) -> {
            Object v = values.get(method.getName());
            return v != null ? v : method.getDefaultValue();
        }));
    }
}
