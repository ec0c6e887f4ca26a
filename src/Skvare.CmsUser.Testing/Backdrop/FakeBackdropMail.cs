namespace Skvare.CmsUser.Testing.Backdrop;

/// <summary>An email <see cref="FakeBackdropServer"/> "sent" through <c>_user_mail_notify</c>.</summary>
/// <param name="Uid">The account it was about.</param>
/// <param name="To">The recipient.</param>
/// <param name="Operation">The core template: <c>register_admin_created</c> or <c>password_reset</c>.</param>
public sealed record FakeBackdropMail(long Uid, string To, string Operation);
