"""How the documents of clients named in ``native_names.py`` spell their names in Latin letters.

A passport, a permanent resident card or a refugee claimant document prints the holder's name in Latin letters,
and an agency records it as "Name in Latin letters": it is what a colleague with a Latin keyboard types, and for
Arabic script (which leaves short vowels unwritten) the only way "fatima" finds "فاطمة". The spellings are the
ones such documents commonly carry for each origin, so one name may be spelled differently by two origins:
"صدیقی" is "Siddiqi" on an Afghan passport and "Siddiqui" on a Pakistani one, "郭" is "Guo" in mainland pinyin and
"Kwok" in Hong Kong's Cantonese spelling.

The forms are kept by pool (``NativeNames.script``) so every name of every pool has exactly one.
"""

from app.domain.clients import Client
from app.domain.text import is_latin_letters, writes_family_name_first
from seed_data.native_names import NATIVE_NAMES

LATIN_FORMS: dict[str, dict[str, str]] = {
    "Arabic": {
        "الحسن": "Al-Hassan", "الخطيب": "Al-Khatib", "حداد": "Haddad", "المصري": "Al-Masri", "خوري": "Khoury",
        "السيد": "Al-Sayed", "عبدالله": "Abdullah", "النجار": "Al-Najjar", "درويش": "Darwish", "قاسم": "Kassem",
        "عثمان": "Othman", "الأمين": "Al-Amin",
        "فاطمة": "Fatima", "عائشة": "Aisha", "ليلى": "Layla", "نور": "Nour", "رانيا": "Rania", "ياسمين": "Yasmin",
        "هدى": "Huda", "رشا": "Rasha", "لينا": "Lina", "هبة": "Hiba", "آمنة": "Amina", "مريم": "Maryam",
        "محمد": "Mohammad", "أحمد": "Ahmad", "عمر": "Omar", "خالد": "Khaled", "يوسف": "Youssef", "طارق": "Tarek",
        "بلال": "Bilal", "حسين": "Hussein", "كريم": "Karim", "سامر": "Samer", "إبراهيم": "Ibrahim",
        "مصطفى": "Mustafa",
    },
    "Arabic (Pashto, Dari)": {
        "احمدزی": "Ahmadzai", "پوپل": "Popal", "هاشمی": "Hashimi", "سلطانی": "Sultani", "کریمی": "Karimi",
        "نوری": "Noori", "رحیمی": "Rahimi", "صدیقی": "Siddiqi", "وردک": "Wardak", "ستانکزی": "Stanikzai",
        "زرغونه": "Zarghona", "مرسل": "Mursal", "فرشته": "Fereshta", "محبوبه": "Mahbooba", "شبنم": "Shabnam",
        "نیلوفر": "Nilofar", "مرضیه": "Marzia", "پلوشه": "Palwasha",
        "عبدالواحد": "Abdul Wahid", "فرهاد": "Farhad", "نوید": "Navid", "سمیع‌الله": "Samiullah", "حامد": "Hamid",
        "احمدشاه": "Ahmad Shah", "میرویس": "Mirwais", "ذبیح‌الله": "Zabihullah",
    },
    "Arabic (Persian)": {
        "حسینی": "Hosseini", "رضایی": "Rezaei", "محمدی": "Mohammadi", "احمدی": "Ahmadi", "مرادی": "Moradi",
        "تهرانی": "Tehrani", "جعفری": "Jafari", "صادقی": "Sadeghi", "کاظمی": "Kazemi", "رستمی": "Rostami",
        "شیرین": "Shirin", "مریم": "Maryam", "نیلوفر": "Niloufar", "پریسا": "Parisa", "آزاده": "Azadeh",
        "رویا": "Roya", "گلناز": "Golnaz", "مهسا": "Mahsa",
        "رضا": "Reza", "آرش": "Arash", "بهروز": "Behrouz", "کیان": "Kian", "داریوش": "Dariush", "کاوه": "Kaveh",
        "سیاوش": "Siavash", "پویا": "Pouya",
    },
    "Arabic (Urdu)": {
        "خان": "Khan", "قریشی": "Qureshi", "صدیقی": "Siddiqui", "چوہدری": "Chaudhry", "ملک": "Malik", "بٹ": "Butt",
        "شیخ": "Sheikh", "رضا": "Raza", "اقبال": "Iqbal", "انصاری": "Ansari",
        "عائشہ": "Ayesha", "ثنا": "Sana", "مہوش": "Mehwish", "صائمہ": "Saima", "حنا": "Hina", "رابعہ": "Rabia",
        "عمران": "Imran", "عثمان": "Usman", "فیصل": "Faisal", "حمزہ": "Hamza", "بلال": "Bilal", "ذیشان": "Zeeshan",
    },
    "Han (Simplified)": {
        "王": "Wang", "李": "Li", "张": "Zhang", "刘": "Liu", "陈": "Chen", "杨": "Yang", "黄": "Huang",
        "赵": "Zhao", "吴": "Wu", "周": "Zhou", "徐": "Xu", "孙": "Sun", "吕": "Lyu", "郭": "Guo",
        "晓梅": "Xiaomei", "静": "Jing", "雨汐": "Yuxi", "若兰": "Ruolan", "倩": "Qian", "欣怡": "Xinyi",
        "雨桐": "Yutong", "丽丽": "Lili", "爽": "Shuang", "慧颖": "Huiying",
        "伟": "Wei", "浩": "Hao", "军": "Jun", "志伟": "Zhiwei", "奕辰": "Yichen", "鑫": "Xin", "浩然": "Haoran",
        "子涵": "Zihan", "建国": "Jianguo", "明宇": "Mingyu",
    },
    "Han (Traditional)": {
        "陳": "Chan", "黃": "Wong", "張": "Cheung", "梁": "Leung", "劉": "Lau", "何": "Ho", "曾": "Tsang",
        "葉": "Yip", "郭": "Kwok", "林": "Lam",
        "嘉欣": "Ka Yan", "詠詩": "Wing Sze", "凱琳": "Hoi Lam", "美玲": "Mei Ling", "淑芬": "Shuk Fan",
        "佩儀": "Pui Yee",
        "志豪": "Chi Ho", "家明": "Ka Ming", "偉傑": "Wai Kit", "俊熙": "Chun Hei", "兆龍": "Siu Lung",
        "梓軒": "Tsz Hin",
    },
    "Ge'ez (Tigrinya)": {
        "ተስፋማርያም": "Tesfamariam", "ገብረመድህን": "Gebremedhin", "ሃይለ": "Haile", "በርሀ": "Berhe", "ተኽለ": "Tekle",
        "ወልደሚካኤል": "Weldemichael", "ገብረየሱስ": "Gebreyesus", "ሃብተ": "Habte", "ኪዳነ": "Kidane",
        "ሰላም": "Selam", "ሰናይት": "Senait", "ዮርዳኖስ": "Yordanos", "ሉዋም": "Luwam", "ፌቨን": "Feven",
        "ሰምሃር": "Semhar", "ሄለን": "Helen", "መሕረት": "Mehret",
        "ዮናስ": "Yonas", "ዳዊት": "Dawit", "ተስፋይ": "Tesfay", "መብራህቱ": "Mebrahtu", "ፍልሞን": "Filmon",
        "ቢንያም": "Biniam", "ክብሮም": "Kibrom", "ሮቤል": "Robel",
    },
    "Ge'ez (Amharic)": {
        "ታደሰ": "Tadesse", "በቀለ": "Bekele", "ዓለሙ": "Alemu", "ግርማ": "Girma", "ተስፋዬ": "Tesfaye",
        "መንግሥቱ": "Mengistu", "ወልዴ": "Wolde", "ገብሬ": "Gebre", "ከበደ": "Kebede", "አየለ": "Ayele",
        "መሠረት": "Meseret", "ትዕግሥት": "Tigist", "ሕይወት": "Hiwot", "ቤተልሔም": "Betelhem", "አልማዝ": "Almaz",
        "ጽዮን": "Tsion",
        "አበበ": "Abebe", "ጌታቸው": "Getachew", "ዮሐንስ": "Yohannes", "ደረጀ": "Dereje", "ቴዎድሮስ": "Tewodros",
        "ኤርሚያስ": "Ermias",
    },
    "Cyrillic": {
        "Коваленко": "Kovalenko", "Шевченко": "Shevchenko", "Бондаренко": "Bondarenko", "Ткаченко": "Tkachenko",
        "Кравченко": "Kravchenko", "Мельник": "Melnyk", "Бойко": "Boiko", "Савчук": "Savchuk",
        "Гриценко": "Hrytsenko",
        "Олена": "Olena", "Оксана": "Oksana", "Юлія": "Yuliia", "Ірина": "Iryna", "Наталія": "Nataliia",
        "Соломія": "Solomiia", "Галина": "Halyna", "Христина": "Khrystyna",
        "Олександр": "Oleksandr", "Андрій": "Andrii", "Дмитро": "Dmytro", "Сергій": "Serhii", "Микола": "Mykola",
        "Юрій": "Yurii", "Богдан": "Bohdan", "Василь": "Vasyl",
    },
    "Greek": {
        "Γεωργίου": "Georgiou", "Δημητρίου": "Dimitriou", "Οικονόμου": "Oikonomou",
        "Παπαδημητρίου": "Papadimitriou", "Ιωάννου": "Ioannou", "Αθανασίου": "Athanasiou",
        "Χριστοδούλου": "Christodoulou", "Νικολάου": "Nikolaou",
        "Μαρία": "Maria", "Ελένη": "Eleni", "Αικατερίνη": "Aikaterini", "Βασιλική": "Vasiliki", "Σοφία": "Sofia",
        "Αγγελική": "Angeliki", "Δέσποινα": "Despoina",
        "Γιώργος": "Giorgos", "Κωνσταντίνος": "Konstantinos", "Δημήτρης": "Dimitris", "Αλέξης": "Alexis",
        "Νίκος": "Nikos", "Παναγιώτης": "Panagiotis", "Χρήστος": "Christos",
    },
    "Hebrew": {
        "כהן": "Cohen", "לוי": "Levi", "מזרחי": "Mizrahi", "פרץ": "Peretz", "ביטון": "Biton", "אברהם": "Avraham",
        "פרידמן": "Friedman", "שפירא": "Shapira",
        "נועה": "Noa", "שירה": "Shira", "מיכל": "Michal", "תמר": "Tamar", "יעל": "Yael", "רחל": "Rachel",
        "יוסף": "Yosef", "דוד": "David", "משה": "Moshe", "יונתן": "Yonatan", "אריאל": "Ariel",
    },
    "Gurmukhi": {
        "ਸੰਧੂ": "Sandhu", "ਗਿੱਲ": "Gill", "ਢਿੱਲੋਂ": "Dhillon", "ਸਿੱਧੂ": "Sidhu", "ਗਰੇਵਾਲ": "Grewal", "ਬਰਾੜ": "Brar",
        "ਰੰਧਾਵਾ": "Randhawa", "ਬਾਜਵਾ": "Bajwa", "ਸੇਖੋਂ": "Sekhon", "ਧਾਲੀਵਾਲ": "Dhaliwal", "ਵਿਰਕ": "Virk",
        "ਹਰਪ੍ਰੀਤ": "Harpreet", "ਗੁਰਪ੍ਰੀਤ": "Gurpreet", "ਸਿਮਰਨਜੀਤ": "Simranjeet", "ਮਨਪ੍ਰੀਤ": "Manpreet",
        "ਜਸਪ੍ਰੀਤ": "Jaspreet", "ਨਵਨੀਤ": "Navneet", "ਰਾਜਵਿੰਦਰ": "Rajwinder", "ਅਮਨਜੋਤ": "Amanjot",
        "ਗੁਰਜੀਤ": "Gurjeet", "ਹਰਜਿੰਦਰ": "Harjinder", "ਅਮਨਦੀਪ": "Amandeep", "ਬਲਵਿੰਦਰ": "Balwinder",
        "ਸੁਖਵਿੰਦਰ": "Sukhwinder", "ਰਣਜੀਤ": "Ranjit", "ਪਰਮਿੰਦਰ": "Parminder", "ਜਸਕਰਨ": "Jaskaran",
    },
    "Devanagari": {
        "श्रेष्ठ": "Shrestha", "गुरुङ": "Gurung", "तामाङ": "Tamang", "थापा": "Thapa", "राई": "Rai", "मगर": "Magar",
        "अधिकारी": "Adhikari", "पौडेल": "Paudel",
        "सीता": "Sita", "गीता": "Gita", "सुनिता": "Sunita", "सरिता": "Sarita", "अनिता": "Anita",
        "प्रतिभा": "Pratibha",
        "राम": "Ram", "हरि": "Hari", "विकास": "Bikash", "सुरेश": "Suresh", "दीपक": "Deepak", "प्रकाश": "Prakash",
    },
    "Bengali": {
        "রহমান": "Rahman", "হোসেন": "Hossain", "চৌধুরী": "Chowdhury", "ইসলাম": "Islam", "আহমেদ": "Ahmed",
        "সরকার": "Sarkar", "তালুকদার": "Talukder", "ভূঁইয়া": "Bhuiyan",
        "নুসরাত": "Nusrat", "ফারজানা": "Farzana", "তাহমিনা": "Tahmina", "শারমিন": "Sharmin", "রুমানা": "Rumana",
        "তাসনিম": "Tasnim",
        "রফিক": "Rafiq", "শফিক": "Shafiq", "তানভীর": "Tanvir", "মাহবুব": "Mahbub", "আরিফ": "Arif",
        "সাব্বির": "Sabbir",
    },
    "Tamil": {
        "சிவகுமார்": "Sivakumar", "இராஜரத்தினம்": "Rajaratnam", "தங்கராஜா": "Thangarajah", "கந்தையா": "Kandiah",
        "யோகராஜா": "Yogarajah", "பாலசிங்கம்": "Balasingam", "ஸ்ரீதரன்": "Sritharan", "நடராஜா": "Nadarajah",
        "துளசி": "Thulasi", "கவிதா": "Kavitha", "வாசுகி": "Vasuki", "தர்ஷினி": "Tharshini", "நிரோஷா": "Nirosha",
        "கீர்த்தனா": "Keerthana",
        "குமரன்": "Kumaran", "தர்மலிங்கம்": "Tharmalingam", "செந்தூரன்": "Senthuran", "கஜன்": "Kajan",
        "பிரசாந்த்": "Prashanth", "மதிவாணன்": "Mathivanan",
    },
    "Thai": {
        "แซ่ลิ้ม": "Saelim", "ศรีสุข": "Srisuk", "วงศ์สวัสดิ์": "Wongsawat", "ชัยพร": "Chaiyaporn",
        "บุญมี": "Boonmee", "แก้วกล้า": "Kaewkla",
        "ศิริพร": "Siriporn", "กนกวรรณ": "Kanokwan", "ณัฐยา": "Nattaya", "พิมพ์ชนก": "Pimchanok", "สุดา": "Suda",
        "รัตนา": "Rattana",
        "สมชาย": "Somchai", "อนันต์": "Anan", "ประเสริฐ": "Prasert", "กิตติศักดิ์": "Kittisak", "วิชัย": "Wichai",
        "ชัยวัฒน์": "Chaiwat",
    },
    "Hangul": {
        "김": "Kim", "이": "Lee", "박": "Park", "최": "Choi", "정": "Jung", "강": "Kang", "조": "Cho", "윤": "Yoon",
        "장": "Jang", "임": "Lim",
        "지우": "Jiwoo", "서연": "Seoyeon", "민지": "Minji", "하은": "Haeun", "수아": "Sua", "유나": "Yuna",
        "민준": "Minjun", "도현": "Dohyun", "지훈": "Jihoon", "승우": "Seungwoo", "현우": "Hyunwoo",
        "재원": "Jaewon",
    },
    "Han and kana": {
        "佐藤": "Sato", "鈴木": "Suzuki", "高橋": "Takahashi", "田中": "Tanaka", "渡辺": "Watanabe", "伊藤": "Ito",
        "山本": "Yamamoto", "中村": "Nakamura",
        "ゆい": "Yui", "さくら": "Sakura", "遥": "Haruka", "葵": "Aoi", "ユナ": "Yuna", "美咲": "Misaki",
        "陽翔": "Haruto", "蓮": "Ren", "そうた": "Sota", "ゆうと": "Yuto", "大輝": "Daiki", "タクミ": "Takumi",
    },
}  # fmt: skip


def documented_latin_name(client: Client) -> str:
    """The client's name as their documents print it in Latin letters ("Fatima Al-Hassan" for "فاطمة الحسن",
    "Wang Fang" for "王芳", family name first as the name itself puts it), or "" for a name already written in
    Latin letters or one the pools of the client's origin do not hold."""
    names = NATIVE_NAMES.get(client.country_of_origin or "")
    first, last = client.first_name, client.last_name
    if names is None or is_latin_letters(f"{first}{last}"):
        return ""
    forms = LATIN_FORMS[names.script]
    if first not in forms or last not in forms:
        return ""
    if writes_family_name_first(f"{last}{first}"):
        return f"{forms[last]} {forms[first]}"
    return f"{forms[first]} {forms[last]}"
