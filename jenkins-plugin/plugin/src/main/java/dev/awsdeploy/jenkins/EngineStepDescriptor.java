package dev.awsdeploy.jenkins;

import com.cloudbees.jenkins.plugins.awscredentials.AmazonWebServicesCredentials;
import com.cloudbees.plugins.credentials.CredentialsMatchers;
import com.cloudbees.plugins.credentials.CredentialsProvider;
import com.cloudbees.plugins.credentials.common.StandardListBoxModel;
import hudson.EnvVars;
import hudson.model.Item;
import hudson.model.Queue;
import hudson.model.Run;
import hudson.model.TaskListener;
import hudson.model.queue.Tasks;
import hudson.security.ACL;
import edu.umd.cs.findbugs.annotations.CheckForNull;
import edu.umd.cs.findbugs.annotations.NonNull;
import hudson.util.ListBoxModel;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import jenkins.model.Jenkins;
import net.sf.json.JSONObject;
import org.jenkinsci.plugins.workflow.steps.Step;
import org.jenkinsci.plugins.workflow.steps.StepDescriptor;
import org.kohsuke.stapler.AncestorInPath;
import org.kohsuke.stapler.QueryParameter;
import org.kohsuke.stapler.StaplerRequest2;

/** What the descriptors of all aws-deploy steps share: the context they need and the credentials dropdown. */
public abstract class EngineStepDescriptor extends StepDescriptor {

    /** Run (credentials, record), TaskListener (timeline) and EnvVars (region, endpoints). No node required. */
    @Override
    public Set<? extends Class<?>> getRequiredContext() {
        return Set.of(Run.class, TaskListener.class, EnvVars.class);
    }

    /**
     * The Snippet Generator (and any form) posts a list property as the text of its text area; Stapler would bind
     * {@code a,b} as one element. Each list property's text is split here (one value per line or between commas)
     * before binding, so the Step holds {@code ['a', 'b']} and the generated snippet says so.
     */
    @Override
    public Step newInstance(@CheckForNull StaplerRequest2 req, @NonNull JSONObject formData) throws FormException {
        return super.newInstance(req, FormLists.split(clazz, formData));
    }

    /** A list property as the text of its form field: one value per line. */
    public String lines(@CheckForNull List<String> values) {
        return FormLists.join(values);
    }

    /** AWS credentials the job may use; only ids are listed, and only to people who may configure the job. */
    public ListBoxModel doFillCredentialsIdItems(@AncestorInPath Item item, @QueryParameter String credentialsId) {
        StandardListBoxModel result = new StandardListBoxModel();
        if (item == null
                ? !Jenkins.get().hasPermission(Jenkins.ADMINISTER)
                : !item.hasPermission(Item.EXTENDED_READ) && !item.hasPermission(CredentialsProvider.USE_ITEM)) {
            return result.includeCurrentValue(credentialsId);
        }
        return result.includeEmptyValue()
                .includeMatchingAs(item instanceof Queue.Task task ? Tasks.getAuthenticationOf2(task) : ACL.SYSTEM2,
                        item, AmazonWebServicesCredentials.class, Collections.emptyList(),
                        CredentialsMatchers.instanceOf(AmazonWebServicesCredentials.class))
                .includeCurrentValue(credentialsId);
    }
}
