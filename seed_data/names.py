"""Name pools for synthetic people, by country of origin, spelt the way newcomers to Canada write them.

They carry real diacritics (Nguyễn, Muñoz, Łukasz, Çelik, Ștefan, Tèmítọ́pẹ́) and the usual romanizations of
non-Latin scripts (pinyin, Jyutping-style Cantonese, Arabic, Tigrinya, Ukrainian), because search, duplicate
detection and sorting are only tested properly on names like the ones workers will type. The same people's names
written in their own scripts are in ``native_names.py``.
"""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Origin:
    country: str
    weight: int
    family_names: tuple[str, ...]
    female_names: tuple[str, ...]
    male_names: tuple[str, ...]
    speaks_french: bool = False


_VIETNAMESE = (
    ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương"),
    ("Lan", "Hương", "Thảo", "Ngọc Anh", "Phương", "Mai", "Thúy", "Hằng", "Linh", "Trâm"),
    ("Minh", "Dũng", "Quang", "Tuấn", "Huy", "Đức", "Khoa", "Thắng", "Bảo", "Phúc"),
)
_SPANISH = (
    (
        "García",
        "Rodríguez",
        "Hernández",
        "López",
        "Martínez",
        "Pérez",
        "Muñoz",
        "Jiménez",
        "Castañeda",
        "Ibáñez",
        "Núñez",
    ),
    ("María José", "Lucía", "Sofía", "Valentina", "Inés", "Ximena", "Mónica", "Ana Belén", "Guadalupe", "Yésica"),
    ("José", "Andrés", "Matías", "Julián", "Sebastián", "Raúl", "Jesús", "Óscar", "Joaquín", "Héctor"),
)
_ARABIC = (
    (
        "Al-Hassan",
        "Al-Khatib",
        "Haddad",
        "Al-Masri",
        "Khoury",
        "Al-Sayed",
        "Abdullah",
        "Al-Najjar",
        "Darwish",
        "Qassem",
    ),
    ("Fatima", "Aisha", "Layla", "Noor", "Rania", "Yasmin", "Huda", "Rasha", "Lina", "Hiba"),
    ("Mohammed", "Ahmad", "Omar", "Khaled", "Yousef", "Tariq", "Bilal", "Hussein", "Karim", "Samer"),
)

ORIGINS: tuple[Origin, ...] = (
    Origin("Vietnam", 5, *_VIETNAMESE),
    Origin("Mexico", 4, *_SPANISH),
    Origin("Colombia", 3, *_SPANISH),
    Origin("Syria", 5, *_ARABIC),
    Origin("Iraq", 2, *_ARABIC),
    Origin("Lebanon", 1, *_ARABIC, speaks_french=True),
    Origin("Sudan", 3, *_ARABIC),
    Origin(
        "Poland",
        2,
        ("Nowak", "Wójcik", "Woźniak", "Mazur", "Zając", "Wróbel", "Kaczmarek", "Kołodziej", "Sikora", "Gołąb"),
        ("Małgorzata", "Agnieszka", "Zofia", "Katarzyna", "Jadwiga", "Bożena", "Grażyna", "Aleksandra"),
        ("Łukasz", "Paweł", "Wojciech", "Michał", "Grzegorz", "Bartłomiej", "Krzysztof", "Jędrzej"),
    ),
    Origin(
        "Türkiye",
        2,
        ("Çelik", "Yılmaz", "Kaya", "Demir", "Şahin", "Öztürk", "Aydın", "Arslan", "Doğan", "Yıldız", "Koç", "Kılıç"),
        ("Ayşe", "Elif", "Zeynep", "Gülşen", "Şule", "Büşra", "Özlem", "Gökçe"),
        ("Mehmet", "Mustafa", "Emre", "Oğuz", "Barış", "Çağlar", "Gökhan", "Serkan"),
    ),
    Origin(
        "India",
        10,
        ("Sandhu", "Gill", "Dhillon", "Sidhu", "Grewal", "Brar", "Randhawa", "Bajwa", "Sekhon", "Dhaliwal", "Virk"),
        ("Harpreet", "Gurpreet", "Simranjeet", "Manpreet", "Jaspreet", "Navneet", "Rajwinder", "Amanjot"),
        ("Gurjit", "Harjinder", "Amandeep", "Balwinder", "Sukhwinder", "Ranjit", "Parminder", "Jaskaran"),
    ),
    Origin(
        "China",
        8,
        ("Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu", "Zhou", "Xu", "Sun", "Lü", "Guo"),
        ("Xiaomei", "Jing", "Yuxi", "Ruolan", "Qian", "Xinyi", "Yutong", "Lili", "Shuang", "Huiying"),
        ("Wei", "Hao", "Jun", "Zhiwei", "Yichen", "Xin", "Haoran", "Zihan", "Jianguo", "Mingyu"),
    ),
    Origin(
        "Hong Kong",
        2,
        ("Chan", "Wong", "Cheung", "Leung", "Lau", "Ho", "Tsang", "Yip", "Kwok", "Lam"),
        ("Ka Yan", "Wing Sze", "Hoi Lam", "Mei Ling", "Suk Fan", "Pui Yee"),
        ("Chi Ho", "Ka Ming", "Wai Kit", "Chun Hei", "Siu Lung", "Tsz Hin"),
    ),
    Origin(
        "Somalia",
        3,
        ("Warsame", "Abdi", "Hassan", "Farah", "Mohamed", "Jama", "Osman", "Nur", "Egal", "Aden", "Hersi"),
        ("Hodan", "Fadumo", "Ayaan", "Hibaaq", "Sahra", "Ubah", "Deqa", "Ifrah"),
        ("Abdirahman", "Mahad", "Guled", "Liban", "Abdiweli", "Yusuf", "Abdirizak", "Bashir"),
    ),
    Origin(
        "Eritrea",
        4,
        ("Tesfamariam", "Gebremedhin", "Haile", "Berhane", "Tekle", "Woldemichael", "Ghebreyesus", "Habte", "Kidane"),
        ("Selam", "Senait", "Yordanos", "Luwam", "Feven", "Semhar", "Helen", "Mehret"),
        ("Yonas", "Dawit", "Tesfay", "Mebrahtu", "Filmon", "Biniam", "Kibrom", "Robel"),
    ),
    Origin(
        "Ethiopia",
        2,
        ("Tadesse", "Bekele", "Alemu", "Girma", "Tesfaye", "Mengistu", "Wolde", "Gebre", "Kebede", "Ayele"),
        ("Meseret", "Tigist", "Hiwot", "Bethlehem", "Almaz", "Tsion"),
        ("Abebe", "Getachew", "Yohannes", "Dereje", "Tewodros", "Ermias"),
    ),
    Origin(
        "Ukraine",
        6,
        ("Kovalenko", "Shevchenko", "Bondarenko", "Tkachenko", "Kravchenko", "Melnyk", "Boiko", "Savchuk", "Hrytsenko"),
        ("Olena", "Oksana", "Yuliia", "Iryna", "Nataliia", "Solomiia", "Halyna", "Khrystyna"),
        ("Oleksandr", "Andrii", "Dmytro", "Serhii", "Mykola", "Yurii", "Bohdan", "Vasyl"),
    ),
    Origin(
        "Philippines",
        8,
        (
            "Santos",
            "Reyes",
            "Cruz",
            "Bautista",
            "dela Cruz",
            "Mendoza",
            "Villanueva",
            "Dela Peña",
            "Castillo",
            "Aquino",
        ),
        ("Maricel", "Rowena", "Jocelyn", "Marites", "Cristina", "Liezl", "Ma. Teresa", "Jennilyn"),
        ("Rodrigo", "Jericho", "Ramil", "Joselito", "Carlo", "Renato", "Nestor", "Jhun"),
    ),
    Origin(
        "Afghanistan",
        5,
        ("Ahmadzai", "Popal", "Hashimi", "Sultani", "Karimi", "Noori", "Rahimi", "Sediqi", "Wardak", "Stanikzai"),
        ("Zarghuna", "Mursal", "Fereshta", "Mahbooba", "Shabnam", "Nilofar", "Marzia", "Palwasha"),
        ("Abdul Wahid", "Farhad", "Naveed", "Samiullah", "Hamid", "Ahmad Shah", "Mirwais", "Zabihullah"),
    ),
    Origin(
        "Iran",
        4,
        ("Hosseini", "Rezaei", "Mohammadi", "Ahmadi", "Moradi", "Tehrani", "Jafari", "Sadeghi", "Kazemi", "Rostami"),
        ("Shirin", "Maryam", "Niloufar", "Parisa", "Azadeh", "Roya", "Golnaz", "Mahsa"),
        ("Reza", "Arash", "Behrouz", "Kian", "Dariush", "Kaveh", "Siavash", "Pouya"),
    ),
    Origin(
        "Pakistan",
        5,
        ("Khan", "Qureshi", "Siddiqui", "Chaudhry", "Malik", "Butt", "Sheikh", "Raza", "Iqbal", "Ansari"),
        ("Ayesha", "Sana", "Mehwish", "Saima", "Hina", "Rabia"),
        ("Imran", "Usman", "Faisal", "Hamza", "Bilal", "Zeeshan"),
    ),
    Origin(
        "Bangladesh",
        2,
        ("Rahman", "Hossain", "Chowdhury", "Islam", "Ahmed", "Sarkar", "Talukder", "Bhuiyan"),
        ("Nusrat", "Farzana", "Tahmina", "Sharmin", "Rumana", "Tasnim"),
        ("Rafiq", "Shafiq", "Tanvir", "Mahbub", "Arif", "Sabbir"),
    ),
    Origin(
        "Sri Lanka",
        2,
        ("Sivakumar", "Rajaratnam", "Thangarajah", "Kandiah", "Yogarajah", "Balasingham", "Sritharan", "Nadarajah"),
        ("Thulasi", "Kavitha", "Vasuki", "Tharshini", "Nirosha", "Keerthana"),
        ("Kumaran", "Tharmalingam", "Senthuran", "Kajan", "Pirashanth", "Mathivanan"),
    ),
    Origin(
        "Nigeria",
        5,
        ("Adeyemi", "Okafor", "Ọláníyan", "Nwosu", "Eze", "Okonkwo", "Adébáyọ̀", "Obi", "Abubakar", "Ogunleye"),
        ("Chiamaka", "Ngozi", "Adaeze", "Folasade", "Tèmítọ́pẹ́", "Zainab", "Ifeoma", "Bísọ́lá"),
        ("Chukwuemeka", "Oluwaseun", "Babátúndé", "Ikenna", "Adéwálé", "Ibrahim", "Obinna", "Kayọ̀dé"),
    ),
    Origin(
        "Haiti",
        3,
        ("Jean-Baptiste", "Pierre", "Joseph", "Saint-Fleur", "Désir", "Étienne", "Louis-Jeune", "Célestin", "Exantus"),
        ("Nadège", "Guerline", "Marie-Ange", "Wideline", "Fabiola", "Roseline", "Mirlande", "Lovely"),
        ("Jean-Rénold", "Wilner", "Fritznel", "Pierre-Richard", "Réginald", "Wisnel", "Frantz", "Jean-Élie"),
        speaks_french=True,
    ),
    Origin(
        "Democratic Republic of the Congo",
        2,
        ("Mukendi", "Kabongo", "Ilunga", "Kasongo", "Mbuyi", "Tshibangu", "Lukusa", "Mulumba", "Kalala", "Nzuzi"),
        ("Grâce", "Espérance", "Patience", "Merveille", "Bénédicte", "Gloria", "Fifi", "Nsimba"),
        ("Dieudonné", "Blaise", "Trésor", "Héritier", "Christian", "Jonathan", "Fiston", "Prince"),
        speaks_french=True,
    ),
    Origin(
        "France",
        1,
        ("Lefèvre", "Mercier", "Dubois", "Gauthier", "Leroy", "Chevalier", "Faure", "Rousseau", "Lemaître"),
        ("Zoé", "Hélène", "Chloé", "Léa", "Amélie", "Élodie", "Margaux", "Maëlle"),
        ("Benoît", "Jérôme", "François", "Théo", "Gaël", "Loïc", "Étienne", "Mathéo"),
        speaks_french=True,
    ),
    Origin(
        "Brazil",
        2,
        ("Gonçalves", "Araújo", "Conceição", "Simões", "Fernandes", "Magalhães", "Assunção", "Brandão", "Ribeiro"),
        ("Tânia", "Luíza", "Gabriela", "Letícia", "Bárbara", "Fernanda", "Vitória", "Débora"),
        ("João", "Luís", "Otávio", "Caio", "Thiago", "Antônio", "Márcio", "Vinícius"),
    ),
    Origin(
        "South Korea",
        2,
        ("Kim", "Lee", "Park", "Choi", "Jung", "Kang", "Cho", "Yoon", "Jang", "Lim"),
        ("Ji-woo", "Seo-yeon", "Min-ji", "Ha-eun", "Soo-ah", "Yu-na"),
        ("Min-jun", "Do-hyun", "Ji-hoon", "Seung-woo", "Hyun-woo", "Jae-won"),
    ),
    Origin(
        "Japan",
        1,
        ("Sato", "Suzuki", "Takahashi", "Tanaka", "Watanabe", "Ito", "Yamamoto", "Nakamura"),
        ("Yui", "Sakura", "Haruka", "Aoi", "Yuna", "Misaki"),
        ("Haruto", "Ren", "Sota", "Yuto", "Daiki", "Takumi"),
    ),
    Origin(
        "Thailand",
        1,
        ("Saelim", "Srisuk", "Wongsawat", "Chaiyaporn", "Boonmee", "Kaewkla"),
        ("Siriporn", "Kanokwan", "Nattaya", "Pimchanok", "Suda", "Ratana"),
        ("Somchai", "Anan", "Prasert", "Kittisak", "Wichai", "Chaiwat"),
    ),
    Origin(
        "Greece",
        1,
        ("Georgiou", "Dimitriou", "Oikonomou", "Papadimitriou", "Ioannou", "Athanasiou", "Christodoulou", "Nikolaou"),
        ("Maria", "Eleni", "Aikaterini", "Vasiliki", "Sofia", "Angeliki", "Despoina"),
        ("Giorgos", "Konstantinos", "Dimitris", "Alexis", "Nikos", "Panagiotis", "Christos"),
    ),
    Origin(
        "Israel",
        1,
        ("Cohen", "Levi", "Mizrahi", "Peretz", "Biton", "Avraham", "Friedman", "Shapira"),
        ("Noa", "Shira", "Michal", "Tamar", "Yael", "Rachel"),
        ("Yosef", "David", "Moshe", "Avraham", "Yonatan", "Ariel"),
    ),
    Origin(
        "Nepal",
        2,
        ("Shrestha", "Gurung", "Tamang", "Thapa", "Rai", "Magar", "Adhikari", "Poudel"),
        ("Sita", "Gita", "Sunita", "Sarita", "Anita", "Pratibha"),
        ("Ram", "Hari", "Bikash", "Suresh", "Deepak", "Prakash"),
    ),
    Origin(
        "Romania",
        1,
        ("Popescu", "Ionescu", "Dumitrescu", "Ștefănescu", "Țurcanu", "Munteanu", "Răducanu", "Stănescu", "Bălan"),
        ("Ioana", "Mădălina", "Andreea", "Ileana", "Roxana", "Cătălina"),
        ("Ștefan", "Răzvan", "Mihai", "Andrei", "Bogdan", "Costică"),
    ),
)

# English names newcomers often go by at work or school, shown as "Preferred name".
PREFERRED_FEMALE = ("Annie", "Lily", "Grace", "Nina", "Mia", "Sara", "Joy", "Rose", "Winnie", "Cherry")
PREFERRED_MALE = ("Sam", "Tony", "Max", "Leo", "Ben", "Adam", "Joe", "Eddie", "Kevin", "Ken")
PREFERRED_ANY = ("Alex", "Jo", "Kim", "Sky", "Robin", "Jamie")
