using Skvare.CmsUser.Shared;

namespace Skvare.CmsUser.Drupal.Tests.SharedTransport;

/// <summary>
/// What "cut short" means (src/Shared/Http, tested through the Drupal package's copy): a body that starts as a JSON object,
/// array, string or literal and is not well-formed, so its tail was lost on the way (one request's damage, worth another try). Complete
/// JSON of any shape, and bodies that never started as JSON, are not cut short.
/// </summary>
public sealed class CutShortJsonTests
{
    [Theory]
    [InlineData("{\"id\": 7, \"name\": \"ana\"", "an object without its closing brace")]
    [InlineData("{\"id\":", "an object cut after a property name")]
    [InlineData("[{\"id\": 7}, {\"id\"", "an array cut inside its second element")]
    [InlineData("[1, 2", "an array without its closing bracket")]
    [InlineData("{\"name\": \"Ana Li", "a string without its closing quote")]
    [InlineData("{\"message\": \"\\u00", "a string cut inside an escape")]
    [InlineData("{", "only the opening brace")]
    [InlineData(" \r\n\t{\"id\": 7", "cut short after leading whitespace")]
    [InlineData("{\"id\": 7}}", "a garbled tail")]
    [InlineData("\"Ana Li", "a string answer without its closing quote")]
    [InlineData("tr", "a literal cut short (Drupal 7 answers a reset with true)")]
    [InlineData("fals", "false cut short")]
    [InlineData("n", "null cut to its first letter")]
    public void A_body_that_starts_as_JSON_and_is_not_well_formed_is_cut_short(string body, string because) =>
        HttpEndpointGuard.IsCutShortJson(body).Should().BeTrue(because);

    [Theory]
    [InlineData("{\"id\": 7, \"name\": \"ana\"}", "a complete object")]
    [InlineData("[]", "an empty array")]
    [InlineData("[{\"id\": 7}]\n", "a complete array with a trailing line break")]
    [InlineData("  {\"id\": 7}  ", "whitespace around complete JSON")]
    [InlineData("\"ok\"", "a complete string: the wrong shape, not a cut one")]
    [InlineData("null", "a complete literal")]
    [InlineData("<html><body>Error", "HTML")]
    [InlineData("", "an empty body")]
    [InlineData(" \r\n ", "only whitespace")]
    [InlineData("\uFEFF{\"id\": 7}", "a byte order mark the decoding left in front: not a start of JSON")]
    [InlineData("\uFEFF{\"id\":", "a byte order mark in front of cut JSON: the site's own fault, not the request's")]
    public void Complete_JSON_and_bodies_that_never_started_as_JSON_are_not_cut_short(string body, string because) =>
        HttpEndpointGuard.IsCutShortJson(body).Should().BeFalse(because);

    [Fact]
    public void No_body_is_not_cut_short() => HttpEndpointGuard.IsCutShortJson(null).Should().BeFalse();
}
