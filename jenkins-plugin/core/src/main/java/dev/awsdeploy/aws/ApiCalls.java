package dev.awsdeploy.aws;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.AbortedException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttribute;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;

/**
 * Counts the AWS API calls of one run by operation ({@code CloudWatch.DescribeAlarms}), and the HTTP attempts
 * behind them (retries included: what throttling costs). Goes into the result and the deployment record.
 *
 * <p>It also makes a failed call say what a person needs: the SDK's "Unable to execute HTTP request: Connection
 * refused (SDK Attempt Count: 6)" becomes "ECS RegisterTaskDefinition at ecs.eu-west-1.amazonaws.com failed after 6
 * attempts over 3.2 s: Connection refused" — which call, which service, which endpoint (host only), how many
 * attempts over how long. The exception keeps its type (a ThrottlingException stays one).
 */
public final class ApiCalls implements ExecutionInterceptor {
    private static final ExecutionAttribute<long[]> STARTED = new ExecutionAttribute<>("AwsDeployCallStart");
    private static final ExecutionAttribute<AtomicInteger> ATTEMPTS = new ExecutionAttribute<>("AwsDeployAttempts");
    private static final ExecutionAttribute<String> HOST = new ExecutionAttribute<>("AwsDeployHost");

    /** A call that failed: what it was, where it went, how hard it was tried. */
    public record Failure(String service, String operation, String host, int attempts, Duration took) {
        public String describe() {
            return service + " " + operation + (host == null ? "" : " at " + host) + " failed after " + attempts
                    + (attempts == 1 ? " attempt" : " attempts") + " over " + seconds(took);
        }

        private static String seconds(Duration d) {
            return String.format(java.util.Locale.ROOT, "%.1f s", d.toMillis() / 1000.0);
        }
    }

    private final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> attemptsByOp = new ConcurrentHashMap<>();
    private final AtomicInteger attempts = new AtomicInteger();
    /** Failed calls by exception (weakly held), so the place that renders one can say what it was. */
    private static final Map<Throwable, Failure> FAILURES = java.util.Collections.synchronizedMap(
            new java.util.WeakHashMap<>());

    private static String op(ExecutionAttributes attributes) {
        return attributes.getAttribute(SdkExecutionAttribute.SERVICE_NAME) + "."
                + attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME);
    }

    @Override
    public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
        calls.computeIfAbsent(op(attributes), k -> new AtomicInteger()).incrementAndGet();
        attributes.putAttribute(STARTED, new long[] {System.nanoTime()});
        attributes.putAttribute(ATTEMPTS, new AtomicInteger());
    }

    @Override
    public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
        attempts.incrementAndGet();
        attemptsByOp.computeIfAbsent(op(attributes), k -> new AtomicInteger()).incrementAndGet();
        AtomicInteger n = attributes.getAttribute(ATTEMPTS);
        if (n != null) {
            n.incrementAndGet();
        }
        attributes.putAttribute(HOST, context.httpRequest().host());
    }

    @Override
    public Throwable modifyException(Context.FailedExecution context, ExecutionAttributes attributes) {
        Throwable e = context.exception();
        if (!(e instanceof SdkException sdk)) {
            return e;
        }
        long[] started = attributes.getAttribute(STARTED);
        AtomicInteger n = attributes.getAttribute(ATTEMPTS);
        Failure f = new Failure(String.valueOf(attributes.getAttribute(SdkExecutionAttribute.SERVICE_NAME)),
                String.valueOf(attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME)),
                attributes.getAttribute(HOST), n == null ? 0 : n.get(),
                started == null ? Duration.ZERO : Duration.ofNanos(System.nanoTime() - started[0]));
        SdkException out = sdk;
        if (sdk instanceof SdkClientException && !(sdk instanceof AbortedException)) {
            // No answer from AWS: the SDK's own words name neither the call nor the endpoint.
            out = SdkClientException.builder().message(f.describe() + ": " + rootMessage(sdk)).cause(sdk).build();
        }
        FAILURES.put(out, f);
        return out;
    }

    private static String rootMessage(Throwable e) {
        String m = e.getMessage();
        Throwable c = e;
        while (c.getCause() != null && c.getCause() != c) {
            c = c.getCause();
        }
        if (c != e && c.getMessage() != null) {
            return c.getMessage() + (c instanceof java.io.IOException ? " (" + c.getClass().getSimpleName() + ")" : "");
        }
        if (m == null) {
            return e.getClass().getSimpleName();
        }
        int i = m.indexOf(" (SDK Attempt Count:");
        return i < 0 ? m : m.substring(0, i);
    }

    /** What is known of the failed call behind {@code e} (or one of its causes). */
    public static Optional<Failure> failureOf(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            Failure f = FAILURES.get(t);
            if (f != null) {
                return Optional.of(f);
            }
        }
        return Optional.empty();
    }

    /** Whether {@code e} was answered by AWS (then the call was refused, not lost). */
    public static boolean answered(Throwable e) {
        return e instanceof AwsServiceException;
    }

    /** Calls by operation, sorted by name. */
    public Map<String, Integer> byOperation() {
        return sorted(calls);
    }

    /** HTTP attempts by operation (retries included), sorted by name. */
    public Map<String, Integer> attemptsByOperation() {
        return sorted(attemptsByOp);
    }

    private static Map<String, Integer> sorted(Map<String, AtomicInteger> m) {
        Map<String, Integer> out = new TreeMap<>();
        m.forEach((k, v) -> out.put(k, v.get()));
        return out;
    }

    public int count(String operation) {
        AtomicInteger n = calls.get(operation);
        return n == null ? 0 : n.get();
    }

    public int total() {
        return calls.values().stream().mapToInt(AtomicInteger::get).sum();
    }

    public int httpAttempts() {
        return attempts.get();
    }
}
