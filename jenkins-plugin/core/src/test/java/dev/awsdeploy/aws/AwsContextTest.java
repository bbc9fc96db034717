package dev.awsdeploy.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.awsdeploy.cloudwatch.CloudWatch;
import dev.awsdeploy.run.BadInputException;
import dev.awsdeploy.testing.AwsFront;
import dev.awsdeploy.testing.MotoServer;
import java.net.URI;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Region, credentials, role and endpoints are resolved the way the SDK's users expect. */
class AwsContextTest {
    @RegisterExtension
    static MotoServer moto = MotoServer.shared();

    @RegisterExtension
    AwsFront front = new AwsFront(moto);

    private static Map<String, String> env(String... kv) {
        Map<String, String> m = new HashMap<>();
        m.put("AWS_ACCESS_KEY_ID", "testing");
        m.put("AWS_SECRET_ACCESS_KEY", "testing");
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }

    @Test
    void theRegionParameterWinsThenAwsRegionThenAwsDefaultRegion() {
        Map<String, String> both = env("AWS_REGION", "eu-west-1", "AWS_DEFAULT_REGION", "us-east-2");
        try (AwsContext p = AwsContext.builder().env(both).region("ap-northeast-2").defaultChain(false).build();
             AwsContext r = AwsContext.builder().env(both).defaultChain(false).build();
             AwsContext d = AwsContext.builder().env(env("AWS_DEFAULT_REGION", "us-east-2")).defaultChain(false)
                     .build()) {
            assertEquals("ap-northeast-2", p.region().id());
            assertEquals("eu-west-1", r.region().id());
            assertEquals("us-east-2", d.region().id());
        }
        BadInputException none = assertThrows(BadInputException.class,
                () -> AwsContext.builder().env(env()).defaultChain(false).build());
        assertEquals("region", none.problems().get(0).parameter());
    }

    @Test
    void aServiceSpecificEndpointWinsOverTheGeneralOne() {
        try (AwsContext ctx = AwsContext.builder().env(env("AWS_REGION", "eu-west-1", "AWS_ENDPOINT_URL",
                "http://127.0.0.1:1", "AWS_ENDPOINT_URL_CLOUDWATCH", moto.url())).defaultChain(false).build()) {
            assertEquals(URI.create(moto.url()), ctx.endpointFor("CLOUDWATCH"));
            assertEquals(URI.create("http://127.0.0.1:1"), ctx.endpointFor("ECS"));
            // The call really goes to the service-specific endpoint.
            assertEquals(0, CloudWatch.client(ctx).describeAlarms().metricAlarms().size());
        }
    }

    @Test
    void anAssumedRoleIsWhatTheCallsRunAsAndTheIdentityIsReadOnce() {
        String role = "arn:aws:iam::123456789012:role/deployer";
        try (AwsContext ctx = AwsContext.builder().env(env("AWS_REGION", "eu-west-1", "AWS_ENDPOINT_URL",
                        moto.url())).defaultChain(false).role(role, "ext-1", "build-42", 900).build()) {
            Map<String, Object> who = ctx.identity();
            ctx.identity();
            assertEquals("123456789012", who.get("account"));
            assertTrue(String.valueOf(who.get("arn")).contains("assumed-role/deployer/build-42"), who.toString());
            assertEquals(1, ctx.calls().count("Sts.GetCallerIdentity") + ctx.calls().count("STS.GetCallerIdentity"));
        }
        assertEquals(1, moto.count("AssumeRole"));
    }

    @Test
    void throttledReadsAreRetriedWithBackoffAndCountedOnce() {
        front.throttle("DescribeAlarms", 2, true);
        try (AwsContext ctx = AwsContext.builder().env(env("AWS_REGION", "eu-west-1", "AWS_ENDPOINT_URL",
                front.url())).defaultChain(false).build()) {
            CloudWatch.client(ctx).describeAlarms();
            assertEquals(1, ctx.calls().byOperation().values().stream().mapToInt(Integer::intValue).sum());
            assertEquals(3, ctx.calls().httpAttempts());
        }
    }
}
