package dev.awsdeploy.ecs;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.ecs.model.Tag;
import software.amazon.awssdk.services.elasticloadbalancingv2.ElasticLoadBalancingV2Client;

/**
 * The tags of one AWS resource a deploy changes — the listener rule (or listener) and the two ECS services — where
 * the deployment lease and the promotion record are kept, so that any run, on any agent, finds them.
 */
public abstract class ResourceTags {
    /** Longest tag value ELBv2 and ECS accept. */
    static final int MAX_VALUE = 256;

    private final String label;

    ResourceTags(String label) {
        this.label = label;
    }

    /** What a person calls the resource: "rule …/9683b2d02a6cabee", "service myapp-blue". */
    public String label() {
        return label;
    }

    public abstract Map<String, String> read();

    public abstract void write(Map<String, String> tags);

    public abstract void remove(Collection<String> keys);

    /** The listener rule's or the listener's tags (ELBv2 DescribeTags / AddTags / RemoveTags). */
    public static ResourceTags elb(ElasticLoadBalancingV2Client elb, String arn, String label) {
        return new ResourceTags(label) {
            @Override
            public Map<String, String> read() {
                Map<String, String> out = new LinkedHashMap<>();
                elb.describeTags(b -> b.resourceArns(arn)).tagDescriptions().forEach(d -> d.tags()
                        .forEach(t -> out.put(t.key(), t.value())));
                return out;
            }

            @Override
            public void write(Map<String, String> tags) {
                elb.addTags(b -> b.resourceArns(arn).tags(tags.entrySet().stream().map(e ->
                        software.amazon.awssdk.services.elasticloadbalancingv2.model.Tag.builder().key(e.getKey())
                                .value(e.getValue()).build()).toList()));
            }

            @Override
            public void remove(Collection<String> keys) {
                elb.removeTags(b -> b.resourceArns(arn).tagKeys(keys));
            }
        };
    }

    /** An ECS service's tags (ListTagsForResource / TagResource / UntagResource on its ARN). */
    public static ResourceTags ecs(EcsClient ecs, String serviceArn, String label) {
        return new ResourceTags(label) {
            @Override
            public Map<String, String> read() {
                Map<String, String> out = new LinkedHashMap<>();
                ecs.listTagsForResource(b -> b.resourceArn(serviceArn)).tags()
                        .forEach(t -> out.put(t.key(), t.value()));
                return out;
            }

            @Override
            public void write(Map<String, String> tags) {
                List<Tag> list = tags.entrySet().stream().map(e -> Tag.builder().key(e.getKey()).value(e.getValue())
                        .build()).toList();
                ecs.tagResource(b -> b.resourceArn(serviceArn).tags(list));
            }

            @Override
            public void remove(Collection<String> keys) {
                ecs.untagResource(b -> b.resourceArn(serviceArn).tagKeys(keys));
            }
        };
    }

    /**
     * A text as a tag value: ELBv2 and ECS take letters, digits, spaces and {@code _ . : / = + - @}, at most 256
     * characters; anything else becomes {@code _}.
     */
    static String value(String text) {
        if (text == null) {
            return "";
        }
        StringBuilder b = new StringBuilder();
        text.codePoints().forEach(c -> b.appendCodePoint(Character.isLetterOrDigit(c) || c == ' '
                || "_.:/=+-@".indexOf(c) >= 0 ? c : '_'));
        return b.length() > MAX_VALUE ? b.substring(0, MAX_VALUE) : b.toString();
    }
}
