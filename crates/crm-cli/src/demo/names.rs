//! The demo's people and words: Persian and English names, and customer messages by topic.

/// Persian given names, with a Latin spelling for email addresses.
pub(crate) const FA_GIVEN: [(&str, &str); 20] = [
    ("علی", "ali"),
    ("محمد", "mohammad"),
    ("حسین", "hossein"),
    ("رضا", "reza"),
    ("مهدی", "mahdi"),
    ("امیر", "amir"),
    ("سعید", "saeed"),
    ("حمید", "hamid"),
    ("کاوه", "kaveh"),
    ("بابک", "babak"),
    ("زهرا", "zahra"),
    ("فاطمه", "fatemeh"),
    ("مریم", "maryam"),
    ("سارا", "sara"),
    ("نرگس", "narges"),
    ("لیلا", "leila"),
    ("شیرین", "shirin"),
    ("پریسا", "parisa"),
    ("نیلوفر", "niloufar"),
    ("الهام", "elham"),
];

/// Persian family names, with a Latin spelling.
pub(crate) const FA_FAMILY: [(&str, &str); 16] = [
    ("رضایی", "rezaei"),
    ("محمدی", "mohammadi"),
    ("حسینی", "hosseini"),
    ("احمدی", "ahmadi"),
    ("کریمی", "karimi"),
    ("موسوی", "mousavi"),
    ("جعفری", "jafari"),
    ("صادقی", "sadeghi"),
    ("رحیمی", "rahimi"),
    ("قاسمی", "ghasemi"),
    ("کاظمی", "kazemi"),
    ("نوری", "nouri"),
    ("طاهری", "taheri"),
    ("شریفی", "sharifi"),
    ("اکبری", "akbari"),
    ("یزدانی", "yazdani"),
];

/// English given names.
pub(crate) const EN_GIVEN: [&str; 12] = [
    "James", "Emma", "Oliver", "Sophia", "Liam", "Mia", "Noah", "Ava", "Lucas", "Grace", "Ethan",
    "Chloe",
];

/// English family names.
pub(crate) const EN_FAMILY: [&str; 10] = [
    "Smith", "Johnson", "Brown", "Taylor", "Wilson", "Davies", "Evans", "Walker", "Wright", "Green",
];

/// What a message is about: the department that should answer it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Topic {
    /// Invoices, refunds, payments.
    Billing,
    /// Log-in, errors, the app.
    Technical,
    /// Orders, prices, delivery.
    Sales,
}

/// Messages by topic: (topic, subject, body). Billing and technical texts carry the words the
/// routing rules look for, so most of them are routed without an officer.
pub(crate) const MESSAGES: [(Topic, &str, &str); 16] = [
    (
        Topic::Billing,
        "مشکل صورتحساب",
        "سلام، مبلغ صورتحساب این ماه دو بار از کارت من کسر شده است.",
    ),
    (
        Topic::Billing,
        "درخواست بازپرداخت",
        "لطفاً هزینه سفارش لغو شده را بازپرداخت کنید.",
    ),
    (
        Topic::Billing,
        "فاکتور رسمی",
        "برای سفارش قبلی فاکتور رسمی با کد اقتصادی لازم دارم.",
    ),
    (
        Topic::Billing,
        "Invoice question",
        "Hello, my invoice shows a different amount from the quote.",
    ),
    (
        Topic::Billing,
        "Refund request",
        "I returned the item two weeks ago; when will the refund arrive?",
    ),
    (
        Topic::Technical,
        "خطا در ورود",
        "هنگام ورود به حساب کاربری پیام خطا می‌گیرم.",
    ),
    (
        Topic::Technical,
        "رمز عبور",
        "رمز عبورم را فراموش کرده‌ام و ایمیل بازیابی نمی‌رسد.",
    ),
    (
        Topic::Technical,
        "App error",
        "The app shows an error when I open my orders page.",
    ),
    (
        Topic::Technical,
        "Cannot login",
        "I cannot login since yesterday's update.",
    ),
    (
        Topic::Sales,
        "وضعیت سفارش",
        "سفارش من هنوز نرسیده است، لطفاً پیگیری کنید.",
    ),
    (
        Topic::Sales,
        "قیمت عمده",
        "برای خرید ۵۰ عدد از این محصول تخفیف می‌دهید؟",
    ),
    (
        Topic::Sales,
        "ارسال به شهرستان",
        "آیا به شیراز هم ارسال دارید و چند روز طول می‌کشد؟",
    ),
    (
        Topic::Sales,
        "Where is my order?",
        "My order was due last week and has not arrived yet.",
    ),
    (
        Topic::Sales,
        "Bulk pricing",
        "Do you offer a discount for orders of 100 units?",
    ),
    (
        Topic::Sales,
        "Product availability",
        "Will the blue model be back in stock this month?",
    ),
    (
        Topic::Sales,
        "تغییر آدرس",
        "لطفاً آدرس ارسال سفارشم را تغییر دهید.",
    ),
];

/// Answers staff write, by topic.
pub(crate) fn answer(topic: Topic, persian: bool) -> &'static str {
    match (topic, persian) {
        (Topic::Billing, true) => "مبلغ اضافه بررسی و به حساب شما بازگردانده شد.",
        (Topic::Billing, false) => "We checked the charge and refunded the difference.",
        (Topic::Technical, true) => "مشکل برطرف شد؛ لطفاً دوباره وارد شوید.",
        (Topic::Technical, false) => "The issue is fixed; please try logging in again.",
        (Topic::Sales, true) => "سفارش شما امروز ارسال شد و کد رهگیری پیامک شد.",
        (Topic::Sales, false) => "Your order shipped today; the tracking number is in your email.",
    }
}
