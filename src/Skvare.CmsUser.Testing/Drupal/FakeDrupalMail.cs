namespace Skvare.CmsUser.Testing.Drupal;

/// <summary>An email <see cref="FakeDrupalServer"/> "sent" through <c>_user_mail_notify</c>.</summary>
/// <param name="Uid">The account it was about.</param>
/// <param name="To">The recipient.</param>
/// <param name="Operation">The core template: <c>password_reset</c>, <c>register_admin_created</c>, <c>status_activated</c> or <c>status_blocked</c>.</param>
public sealed record FakeDrupalMail(long Uid, string To, string Operation);
