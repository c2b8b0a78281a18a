package dev.ludus.web.security;

import java.lang.reflect.Proxy;
import java.util.Map;

/** A {@link WebSecurityConfig} with the metatype defaults, some of them overridden. */
final class TestConfig {

    private TestConfig() {
    }

    static WebSecurityConfig with(Map<String, Object> overrides) {
        return (WebSecurityConfig) Proxy.newProxyInstance(WebSecurityConfig.class.getClassLoader(),
                new Class<?>[] {WebSecurityConfig.class},
                (proxy, method, args) -> overrides.containsKey(method.getName()) ? overrides.get(method.getName())
                        : method.getDefaultValue());
    }
}
