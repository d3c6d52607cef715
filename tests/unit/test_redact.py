"""Messages about files mask e-mails and phone numbers but keep what helps fix the file."""

from python_models.lake.redact import looks_like_data, redact


def test_redact_masks_emails_and_phone_numbers_only():
    message = (
        "the header has one column 'C1;Zoé;zoe.m@orange.fr;06.10.90.70.36;+33 6 12 34 56 78' that contains ';' "
        "(invalid start byte at byte 52, line 1 column 39; 200,000 characters)"
    )
    assert redact(message) == (
        "the header has one column 'C1;Zoé;<e-mail>;<number>;<number>' that contains ';' "
        "(invalid start byte at byte 52, line 1 column 39; 200,000 characters)"
    )


def test_column_names_are_not_data_but_records_are():
    assert not any(looks_like_data(h) for h in ["Email", "Phone", "ContactID", "C123", "birth_date", "utm_source"])
    assert all(looks_like_data(v) for v in ["ann@x.fr", "06 10 90 70 36", "+33612345678", "1980-02-01", "12/03/1990"])
