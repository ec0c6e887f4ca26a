using CsCheck;
using System.Net;

namespace Skvare.CmsUser.WordPress.Tests;

public sealed class ErrorMappingTests
{
    [Theory]
    [InlineData(500, """{"code":"existing_user_login","message":"Sorry, that username already exists!","data":null}""", CmsErrorReason.DuplicateUsername)]
    [InlineData(409, """{"code":"existing_user_email","message":"Sorry, that email address is already used!","data":{"status":409}}""", CmsErrorReason.DuplicateEmail)]
    [InlineData(400, """{"code":"rest_invalid_param","message":"Invalid parameter(s): username","data":{"status":400,"params":{"username":"bad"}},"additional_errors":[{"code":"user_name","message":"Sorry, that username already exists!","data":null}]}""", CmsErrorReason.DuplicateUsername)]
    [InlineData(400, """{"code":"rest_invalid_param","message":"Invalid parameter(s): email","data":{"status":400,"params":{"email":"x"}},"additional_errors":[{"code":"user_email","message":"Sorry, that email address is already used!","data":null}]}""", CmsErrorReason.DuplicateEmail)]
    [InlineData(400, """{"code":"rest_missing_callback_param","message":"Missing parameter(s): email, password","data":{"status":400,"params":["email","password"]}}""", CmsErrorReason.InvalidData)]
    [InlineData(400, """{"code":"rest_user_exists","message":"Cannot create existing user.","data":{"status":400}}""", CmsErrorReason.InvalidData)]
    [InlineData(403, """{"code":"rest_user_invalid_role","message":"Sorry, you are not allowed to give users that role.","data":{"status":403}}""", CmsErrorReason.UnknownRole)]
    [InlineData(401, """{"code":"incorrect_password","message":"The provided password is an invalid application password.","data":{"status":401}}""", CmsErrorReason.Authentication)]
    [InlineData(401, """{"code":"application_passwords_disabled","message":"Application passwords are not available.","data":{"status":401}}""", CmsErrorReason.Authentication)]
    [InlineData(401, """{"code":"rest_not_logged_in","message":"You are not currently logged in.","data":{"status":401}}""", CmsErrorReason.Authentication)]
    [InlineData(403, """{"code":"rest_forbidden_context","message":"Sorry, you are not allowed to list users.","data":{"status":403}}""", CmsErrorReason.Permission)]
    [InlineData(403, """{"code":"rest_cannot_edit_roles","message":"Sorry, you are not allowed to edit roles of this user.","data":{"status":403}}""", CmsErrorReason.Permission)]
    [InlineData(404, """{"code":"rest_user_invalid_id","message":"Invalid user ID.","data":{"status":404}}""", CmsErrorReason.NotFound)]
    [InlineData(503, """{"code":"skvare_cmsuser_notify_failed","message":"The email could not be sent.","data":{"status":503}}""", CmsErrorReason.MailFailed)]
    [InlineData(503, "<html>Service Unavailable</html>", CmsErrorReason.Unavailable)]
    [InlineData(200, "", CmsErrorReason.UnexpectedResponse)]
    [InlineData(401, "<html>Unauthorized</html>", CmsErrorReason.Authentication)]
    public void Errors_are_classified_on_the_code(int status, string body, CmsErrorReason expected)
    {
        var ex = WordPressErrors.FromResponse("do something", (HttpStatusCode)status, body, isCreate: false);

        ex.Reason.Should().Be(expected);
        ex.StatusCode.Should().Be(status);
    }

    [Fact]
    public void A_message_WordPress_writes_in_HTML_reads_as_text()
    {
        // What WordPress 6.1 (companion plugin 0.2.0) answered to a reset on a site that cannot send mail.
        const string Body = """{"code":"skvare_cmsuser_reset_failed","message":"<strong>Error:<\/strong> The email could not be sent. Your site may not be correctly configured to send emails. <a href=\"https:\/\/wordpress.org\/support\/article\/resetting-your-password\/\">Get support for resetting your password<\/a>.","data":{"status":503}}""";

        var ex = WordPressErrors.FromResponse("send a password reset email", HttpStatusCode.ServiceUnavailable, Body, isCreate: false);

        ex.Message.Should().StartWith("WordPress refused to send a password reset email: Error: The email could not be sent. Your site may not be correctly configured to send emails. Get support for resetting your password. (skvare_cmsuser_reset_failed, HTTP 503).")
            .And.Contain("check its mail setup").And.NotContain("<");
        ex.Reason.Should().Be(CmsErrorReason.MailFailed, "the site answered that its mail failed: no outage");
    }

    [Fact]
    public void Plain_text_of_any_message_is_trimmed_one_line_and_leaves_markup_free_text_alone() =>
        Gen.OneOf(Gen.String, Gen.String[Gen.Char["<>/&;a-z \n.\t"], 0, 60]).Sample(message =>
        {
            var text = WordPressErrors.PlainText(message);
            if (message.AsSpan().IndexOfAny('<', '&') < 0)
            {
                text.Should().Be(message);
            }
            else
            {
                text.Should().Be(text.Trim()).And.NotContain("  ").And.NotContain("\n");
            }
        }, iter: 2000);

    [Theory]
    [InlineData("Sorry, that username already exists!", "Sorry, that username already exists!")]
    [InlineData("Username must be < 60 characters & unique", "Username must be < 60 characters & unique")]
    [InlineData("Fish &amp; chips <em>only</em>", "Fish & chips only")]
    public void Plain_messages_stay_as_they_are_and_markup_goes(string message, string expected) =>
        WordPressErrors.PlainText(message).Should().Be(expected);

    [Theory]
    [InlineData(500, """{"code":"rest_user_create","message":"Error creating new user.","data":{"status":500}}""")]
    [InlineData(502, "<html>Bad Gateway</html>")]
    [InlineData(500, """{"code":"internal_server_error","message":"There has been a critical error on this website.","data":{"status":500}}""")]
    public void Server_failures_after_a_create_are_UnknownOutcome(int status, string body) =>
        WordPressErrors.FromResponse("create an account", (HttpStatusCode)status, body, isCreate: true).Reason.Should().Be(CmsErrorReason.UnknownOutcome);

    [Fact]
    public void Companion_busy_on_a_create_is_Unavailable_not_UnknownOutcome()
    {
        var ex = WordPressErrors.FromResponse("create an account", HttpStatusCode.ServiceUnavailable, """{"code":"skvare_cmsuser_busy","message":"Another request is creating an account with this email; nothing was created. Retry later.","data":{"status":503}}""", isCreate: true);

        ex.Reason.Should().Be(CmsErrorReason.Unavailable);
        ex.Message.Should().Contain("skvare_cmsuser_busy").And.Contain("nothing was created");
    }

    [Theory]
    [InlineData("de_DE", "de_DE")]
    [InlineData("en_US", "en_US")]
    [InlineData("pt-br", "pt_BR")]
    [InlineData("nl", "nl")]
    [InlineData("", null)]
    [InlineData("not a locale", null)]
    [InlineData("x_Y_Z", null)]
    public void CiviCrm_locales_become_WordPress_locales(string input, string? expected) =>
        WordPressLocale.FromCiviCrm(input).Should().Be(expected);

    [Fact]
    public void Generated_passwords_are_long_random_and_have_no_backslash()
    {
        var passwords = Enumerable.Range(0, 50).Select(_ => WordPressAccountProvider.GeneratePassword()).ToList();

        passwords.Should().OnlyHaveUniqueItems();
        passwords.Should().AllSatisfy(p => p.Should().HaveLength(32).And.NotContain("\\"));
    }
}
