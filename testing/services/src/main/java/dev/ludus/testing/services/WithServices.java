package dev.ludus.testing.services;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.util.ArrayList;
import java.util.List;

import org.junit.AssumptionViolatedException;
import org.junit.Test;
import org.junit.runner.Description;
import org.junit.runner.Runner;
import org.junit.runner.manipulation.Filter;
import org.junit.runner.manipulation.Filterable;
import org.junit.runner.manipulation.NoTestsRemainException;
import org.junit.runner.notification.Failure;
import org.junit.runner.notification.RunNotifier;
import org.junit.runners.BlockJUnit4ClassRunner;
import org.junit.runners.model.FrameworkMethod;
import org.junit.runners.model.TestClass;

/**
 * Runs a test class with another runner once the services it {@link Needs} are there; for
 * runners that do their set-up before any rule could run (Pax Exam calls its
 * {@code @Configuration} method while it is being built). Without them, every test is reported
 * skipped (and the skip recorded) or, with {@code LUDUS_TEST_SERVICES=required}, failed, and the
 * other runner is never built:
 *
 * <pre>
 * &#64;RunWith(WithServices.class)
 * &#64;WithServices.Needs(value = Service.POSTGRESQL, runner = PaxExam.class)
 * public class ArchiveIT { ... Postgres.server(ArchiveIT.class, 1) ... }
 * </pre>
 */
public final class WithServices extends Runner implements Filterable {

    /** The services a test class needs, and the runner that runs it once they are there. */
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.TYPE)
    public @interface Needs {
        /** The services. */
        Service[] value();

        /** The runner of the class. */
        Class<? extends Runner> runner() default BlockJUnit4ClassRunner.class;
    }

    private final Runner delegate;
    private final Class<?> testClass;
    private final List<Description> tests = new ArrayList<>();
    private final Throwable missing;

    /** Built by JUnit for a class annotated {@code @RunWith(WithServices.class)}. */
    public WithServices(Class<?> testClass) throws Exception {
        Needs needs = testClass.getAnnotation(Needs.class);
        if (needs == null) {
            throw new IllegalStateException(testClass.getName() + " runs with WithServices but has no @WithServices.Needs");
        }
        this.testClass = testClass;
        for (FrameworkMethod m : new TestClass(testClass).getAnnotatedMethods(Test.class)) {
            tests.add(Description.createTestDescription(testClass, m.getName()));
        }
        Throwable problem = null;
        try {
            for (Service s : needs.value()) {
                TestServices.require(s, testClass, tests.size());
            }
        } catch (AssumptionViolatedException | AssertionError e) {
            problem = e;
        }
        missing = problem;
        delegate = problem == null ? needs.runner().getConstructor(Class.class).newInstance(testClass) : null;
    }

    @Override
    public Description getDescription() {
        if (delegate != null) {
            return delegate.getDescription();
        }
        Description description = Description.createSuiteDescription(testClass);
        tests.forEach(description::addChild);
        return description;
    }

    @Override
    public void run(RunNotifier notifier) {
        if (delegate != null) {
            delegate.run(notifier);
            return;
        }
        for (Description test : tests) {
            notifier.fireTestStarted(test);
            if (missing instanceof AssumptionViolatedException) {
                notifier.fireTestAssumptionFailed(new Failure(test, missing));
            } else {
                notifier.fireTestFailure(new Failure(test, missing));
            }
            notifier.fireTestFinished(test);
        }
    }

    @Override
    public void filter(Filter filter) throws NoTestsRemainException {
        if (delegate instanceof Filterable f) {
            f.filter(filter);
            return;
        }
        if (delegate == null) {
            tests.removeIf(t -> !filter.shouldRun(t));
            if (tests.isEmpty()) {
                throw new NoTestsRemainException();
            }
        }
    }
}
