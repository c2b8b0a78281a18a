package dev.ludus.chaos;

import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * What callers of a proxied service call: each call to a method the fault reaches draws its fate
 * (an error, a time-out, a delay or nothing) and is logged and counted when something is injected;
 * every other call goes straight through. A method returning a {@link CompletionStage} is treated
 * as asynchronous: its delay is added to the stage's completion, its error and time-out arrive
 * through the stage, and the caller's thread is never held. Other methods hold the caller's thread
 * for the delay or the time-out, as a slow service would.
 */
final class FaultProxy implements InvocationHandler {

    private final ActiveFault fault;
    private final Object target;
    private final Class<?> service;

    FaultProxy(ActiveFault fault, Object target, Class<?> service) {
        this.fault = fault;
        this.target = target;
        this.service = service;
    }

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
        if (method.getDeclaringClass() == Object.class) {
            return switch (method.getName()) {
                case "equals" -> proxy == args[0];
                case "hashCode" -> System.identityHashCode(proxy);
                case "toString" -> "chaos proxy (fault '" + fault.name() + "') of " + target;
                default -> call(method, args);
            };
        }
        Settings.Fault f = fault.settings();
        if (!fault.armed() || !method.getDeclaringClass().isAssignableFrom(service) || !f.reaches(method.getName())) {
            return call(method, args);
        }
        fault.calls.increment();
        boolean async = CompletionStage.class.isAssignableFrom(method.getReturnType());
        ThreadLocalRandom random = ThreadLocalRandom.current();
        double draw = random.nextDouble(100);
        String where = service.getSimpleName() + "." + method.getName();
        if (draw < f.errorPercent()) {
            Throwable failure = failure(method, "chaos: " + f.errorMessage() + " (" + where + ")");
            fault.injected("error", where, failure.getClass().getSimpleName());
            if (async) {
                return CompletableFuture.failedFuture(failure);
            }
            throw failure;
        }
        if (draw < f.errorPercent() + f.timeoutPercent()) {
            long wait = f.timeoutMillis();
            fault.injected("timeout", where, "not delivered, fails after " + wait + " ms");
            String message = "chaos: fault '" + fault.name() + "' timed out " + where + " after " + wait + " ms";
            if (async) {
                CompletableFuture<Object> out = new CompletableFuture<>();
                fault.timers().schedule(() -> out.completeExceptionally(new TimeoutException(message)), wait,
                        TimeUnit.MILLISECONDS);
                return out;
            }
            sleep(wait);
            throw failure(method, message);
        }
        if (f.latencyMillis() > 0 && random.nextDouble(100) < f.latencyPercent()) {
            long jitter = f.latencyJitterMillis();
            long delay = Math.max(0, f.latencyMillis() + (jitter > 0 ? random.nextLong(-jitter, jitter + 1) : 0));
            fault.injected("delay", where, delay + " ms");
            if (async) {
                Object result = call(method, args);
                if (!(result instanceof CompletionStage<?> stage)) {
                    return result;
                }
                CompletableFuture<Object> out = new CompletableFuture<>();
                stage.whenComplete((value, error) -> fault.timers().schedule(() -> {
                    if (error != null) {
                        out.completeExceptionally(error);
                    } else {
                        out.complete(value);
                    }
                }, delay, TimeUnit.MILLISECONDS));
                return out;
            }
            sleep(delay);
        }
        return call(method, args);
    }

    private Object call(Method method, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * The failure a caller of this method would expect: the first exception the method declares
     * that can be made from a message, else a {@link ChaosException}.
     */
    static Throwable failure(Method method, String message) {
        for (Class<?> type : method.getExceptionTypes()) {
            if (!Exception.class.isAssignableFrom(type) || type == Exception.class) {
                continue;
            }
            try {
                Constructor<?> c = type.getConstructor(String.class);
                return (Throwable) c.newInstance(message);
            } catch (ReflectiveOperationException | RuntimeException ignored) {
                // no such constructor, or it refused: try the next one
            }
        }
        return new ChaosException(message);
    }
}
