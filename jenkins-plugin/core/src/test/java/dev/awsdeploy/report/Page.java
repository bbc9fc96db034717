package dev.awsdeploy.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.xpath.XPathConstants;
import javax.xml.xpath.XPathFactory;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/** A rendered report read back as XML, for assertions on its SVG elements and texts. */
public final class Page {
    public final String html;
    private final Document doc;

    private Page(String html) {
        this.html = html;
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setNamespaceAware(false);
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", false);
            this.doc = f.newDocumentBuilder().parse(new ByteArrayInputStream(html.getBytes(StandardCharsets.UTF_8)));
        } catch (Exception e) {
            throw new AssertionError("the report is not well-formed: " + e.getMessage() + "\n" + html, e);
        }
    }

    public static Page of(String html) {
        Page p = new Page(html);
        p.assertFitsJenkinsCsp();
        return p;
    }

    /** Elements matching an XPath expression (no namespaces: //svg[@id='traffic-chart']//text). */
    public List<Element> all(String xpath) {
        try {
            NodeList n = (NodeList) XPathFactory.newInstance().newXPath().evaluate(xpath, doc, XPathConstants.NODESET);
            List<Element> out = new ArrayList<>();
            for (int i = 0; i < n.getLength(); i++) {
                out.add((Element) n.item(i));
            }
            return out;
        } catch (Exception e) {
            throw new AssertionError(xpath + ": " + e.getMessage(), e);
        }
    }

    public List<String> texts(String xpath) {
        return all(xpath).stream().map(e -> e.getTextContent().strip()).toList();
    }

    public String text(String xpath) {
        return String.join("\n", texts(xpath));
    }

    public void assertHasText(String xpath, String expected) {
        List<String> t = texts(xpath);
        assertTrue(t.stream().anyMatch(s -> s.contains(expected)), "no '" + expected + "' in " + xpath + ": " + t);
    }

    /**
     * What Jenkins' default CSP (sandbox; default-src 'none'; img-src 'self'; style-src 'self') lets through:
     * no script, no inline style, nothing loaded but the stylesheet beside the page.
     */
    void assertFitsJenkinsCsp() {
        assertTrue(all("//script").isEmpty(), "a script element");
        assertTrue(all("//style").isEmpty(), "an inline style element");
        assertTrue(all("//*[@style]").isEmpty(), "a style attribute");
        assertTrue(all("//*[@src]").isEmpty(), "something loaded with src");
        List<String> links = all("//link").stream().map(e -> e.getAttribute("href")).toList();
        assertEquals(List.of(ReportPage.STYLESHEET), links, "only the stylesheet beside the page is linked");
        Matcher on = Pattern.compile("\\son[a-z]+=", Pattern.CASE_INSENSITIVE).matcher(html);
        assertFalse(on.find(), "an event handler attribute");
        assertFalse(html.contains("javascript:"), "a javascript: URL");
        assertFalse(html.contains("@import") || html.contains("url(http"), "an external resource");
    }
}
