"""Demo data as plain tables: fictional firms in Norra Mellansverige, their sites and listings.

Pure data; `marketplace.demo.loader` turns it into rows through the ordinary services.
Firms, people and streets are invented. Towns, postcode areas and the streams themselves
follow the region's industries (PRODUCT.md, "Typical streams"). Texts are in Swedish, the
default language of the marketplace. The tables are laid out by hand (`fmt: off`), one
listing per paragraph: direction, kind, title, category, quantity, unit, description, details.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DemoSite:
    name: str
    municipality: str  # kommunkod; the town is the municipality's main town
    street: str
    postcode: str  # "NNN NN"
    offset: tuple[float, float]  # (dlat, dlon) in degrees from the main town, a few km at most
    hazardous: bool = False  # may receive hazardous waste
    permit: str | None = None  # permit notes; given means the site has a waste permit


@dataclass(frozen=True)
class DemoListing:
    direction: str  # "offer" or "want"
    kind: str  # "material", "energy" or "capacity"
    title: str
    category: str  # a key of models.taxonomy.CATEGORIES of this kind
    quantity: str  # decimal, per recurrence period
    unit: str
    description: str
    ewc: str | None = None
    composition: str | None = None
    recurrence: str = "year"
    price: str | None = None  # SEK per unit; given means the "price" model unless model="fee"
    model: str = "negotiable"
    km: int | None = None  # maximum transport distance
    density: str | None = None  # t/m³, for materials in m³
    anonymous: bool = False
    draft: bool = False  # left unpublished
    site: int = 0  # index into the firm's sites
    temp: str | None = None  # °C, energy only
    season: str | None = None  # energy only
    capacity: str | None = None  # capacity_type, capacity only
    starts: int = -30  # available from, days relative to today
    until: int | None = None  # available until, days after today; None: open-ended
    route: str | None = None  # offers: what happens to the stream today, as the seller says
    route_km: float | None = None  # road km to today's disposal site or user


@dataclass(frozen=True)
class DemoFirm:
    slug: str  # owner email kontakt@<slug>.demo.example unless `email` is given
    name: str
    sni: str
    owner: str
    sites: tuple[DemoSite, ...]
    listings: tuple[DemoListing, ...]
    email: str | None = None


@dataclass(frozen=True)
class DemoPerson:
    email: str
    name: str
    is_staff: bool = False
    is_admin: bool = False


L = DemoListing
S = DemoSite

PLATFORM_USERS: tuple[DemoPerson, ...] = (
    DemoPerson("staff@demo.example", "Maja Forsberg (Regionala utvecklingsenheten)", is_staff=True),
    DemoPerson("admin@demo.example", "Demo Administratör", is_admin=True),
)

_WOOD = "Fukthalt 50–58 %, askhalt ca 3 %, inga främmande föremål, krossad till under 100 mm."

# fmt: off
GAVLEBORG: tuple[DemoFirm, ...] = (
    DemoFirm("voxnadalens-sag", "Voxnadalens Såg AB", "16.101", "Anna Lindqvist", (
        S("Sågverket i Edsbyn", "2121", "Sågverksvägen 6", "828 33", (0.006, -0.014)),
    ), (
        L("offer", "material", "Granbark från barkning, löpande leveranser", "bark", "6500", "t",
          "Färsk gran- och tallbark från våra barkmaskiner, cirka 6 500 ton per år. Barken lagras "
          "i fack i högst två veckor och lastas med hjullastare på flisbil.",
          ewc="030101", composition=_WOOD, price="130", km=150, route="sold", route_km=45),
        L("offer", "material", "Sågspån av gran och tall, 8 000 ton per år", "sawdust", "8000", "t",
          "Rent sågspån från klyv- och kantsågning, cirka 8 000 ton per år i jämnt flöde. Spånet "
          "lagras i ficka under tak och kan hämtas med flisbil vardagar 06–22.",
          ewc="030105", composition="Fukthalt 45–55 %, kornstorlek 0–8 mm, barkhalt under 1 %.",
          price="210", km=200, route="sold", route_km=60),
        L("offer", "material", "Kapbitar och träspill från justerverket", "wood_offcuts", "1200",
          "t", "Kapbitar och ribbor, 0,3–1,2 m långa, cirka 1 200 ton per år. Passar för "
          "flisning till bränsle eller som råvara för småträ och brasved.",
          ewc="030105", composition="Torkat virke, fukthalt 15–20 %, utan spik och ytbehandling.",
          km=100, route="incineration", route_km=70),
        L("want", "capacity", "Returlaster för sågspån mot Borlänge–Falun", "transport", "150", "t",
          "Vi söker returlaster med flisbil eller containerbil från Edsbyn mot Borlänge och Falun, "
          "cirka 150 ton i veckan. Lastning sker med vår hjullastare.",
          recurrence="week", capacity="transport", km=250),
    ), email="seller@demo.example"),
    DemoFirm("gavleans-bryggeri", "Gavleåns Bryggeri AB", "11.050", "Linnea Berglund", (
        S("Bryggeriet", "2180", "Bryggargatan 3", "802 67", (-0.008, 0.012)),
    ), (
        L("offer", "material", "Drav från bryggeriet", "food_byproducts", "850", "t",
          "Blött drav från mäskningen, cirka 850 ton per år (15–20 ton i veckan). Dravet ska "
          "hämtas inom två dygn och passar som foder till nötkreatur eller till biogas.",
          ewc="020701", composition="Torrsubstans 20–25 %, råprotein ca 25 % av torrsubstansen.",
          model="free", km=80),
        L("offer", "material", "Engångspallar, cirka 2 000 st per år", "wood_packaging", "2000",
          "pieces", "Engångspallar från malt- och flaskleveranser, cirka 2 000 st per år. Hämtas "
          "i hela lass om minst 100 pallar från vår lastkaj.",
          ewc="150103", composition="Barrträ, 1200 × 800 mm, enstaka trasiga brädor.",
          model="free", km=50),
    )),
    DemoFirm("gavlebuktens-energi", "Gävlebuktens Energiåtervinning AB", "38.210",
             "Fredrik Åberg", (
        S("Kraftvärmeverket", "2180", "Kraftverksvägen 21", "806 42", (0.015, 0.030),
          permit="Tillstånd för förbränning av icke-farligt avfall och lagring av slaggrus."),
    ), (
        L("offer", "material", "Slaggrus från avfallsförbränning", "bottom_ash", "12000", "t",
          "Slaggrus från rosterpannan, cirka 12 000 ton per år, fritt från metaller och åldrat i "
          "minst tre månader. Efter åldring ersätter det bergkross i vägar och hårdgjorda ytor.",
          ewc="190112", composition="Fraktion 0–50 mm, metaller utsorterade, lakdata finns.",
          price="90", model="fee", km=100, route="landfill", route_km=15),
        L("offer", "energy", "Sommarvärme från avfallspannan", "surplus_heat", "8000", "MWh",
          "Under juni–augusti har vi ett överskott på cirka 8 000 MWh värme vid 80–90 °C som "
          "annars kyls bort. Passar för torkning av biobränsle, virke eller livsmedel nära verket.",
          temp="85", season="summer", km=30),
    )),
    DemoFirm("storsjons-fjarrvarme", "Storsjöns Fjärrvärme AB", "35.300", "Jonas Wikström", (
        S("Värmeverket", "2181", "Värmeverksgatan 2", "811 34", (-0.006, 0.010),
          permit="Tillstånd för förbränning av biobränsle upp till 60 MW."),
    ), (
        L("want", "energy", "Restvärme till fjärrvärmenätet", "surplus_heat", "20000", "MWh",
          "Vi söker cirka 20 000 MWh restvärme per år, främst under eldningssäsongen "
          "oktober–april. Värme från 45 °C kan tas emot via värmepump vid befintlig "
          "överföringsledning.",
          temp="60", season="heating_season", km=30, anonymous=True),
    )),
    DemoFirm("edskens-valsverk", "Edskens Valsverk AB", "24.100", "Björn Falk", (
        S("Valsverket", "2104", "Valsverksvägen 10", "813 33", (0.004, -0.008)),
    ), (
        L("offer", "material", "Glödskal från valsverket", "mill_scale", "2400", "t",
          "Glödskal från varmvalsning av stålstång, cirka 2 400 ton per år. Avvattnas i skalgrop "
          "och lagras på platta; passar som järnråvara i stålverk eller cementugn.",
          ewc="100210", composition="Ca 72 % Fe, olja under 1 %, kornstorlek 0–5 mm.",
          price="150", km=400),
        L("offer", "energy", "Restvärme 15 000 MWh per år, 45–70 °C", "surplus_heat", "15000",
          "MWh", "Kylvatten från ugnar och valsverk ger cirka 15 000 MWh restvärme per år vid "
          "45–70 °C, jämnt över året. Närmaste fjärrvärmeledning ligger 800 m från fabriken.",
          temp="65", season="all_year", km=20),
    )),
    DemoFirm("wij-mekaniska", "Wij Mekaniska AB", "25.620", "Patrik Sjöberg", (
        S("Verkstaden", "2101", "Verkstadsvägen 5", "816 30", (-0.005, 0.011)),
    ), (
        L("offer", "material", "Svarvspån av stål", "ferrous_metal", "350", "t",
          "Svarv- och borrspån av kolstål och seghärdat stål från CNC-bearbetning, cirka 350 ton "
          "per år. Spånet centrifugeras och samlas i tippcontainer om 10 m³.",
          ewc="120101", composition="Oljehalt under 2 % efter centrifugering, inget rostfritt.",
          price="1200", km=200),
        L("offer", "material", "Aluminiumspån, sorterat per legering", "nonferrous_metal", "40",
          "t", "Rena aluminiumspån från fräsning av profiler, cirka 40 ton per år. Levereras "
          "brikettade på pall, sorterade per legering.",
          ewc="120103", composition="Legering 6082 och 6063, skärvätska under 1 %.",
          price="9000", km=300),
        L("offer", "capacity", "Ledig maskintid i CNC-fräs och svarv", "machine_time", "600",
          "hours", "Cirka 600 timmar ledig maskintid per år i femaxlig CNC-fräs (1 000 × 600 mm) "
          "och CNC-svarv. Passar för reservdelar och mindre serier.",
          capacity="machine_time", price="850", km=150),
    )),
    DemoFirm("vaxbo-narvarme", "Växbo Närvärme AB", "35.300", "Emma Hansson", (
        S("Panncentralen", "2183", "Fjärrvärmevägen 3", "821 43", (0.007, 0.015)),
    ), (
        L("want", "energy", "Restvärme till närvärmenätet", "surplus_heat", "6000", "MWh",
          "Närvärmenätet i Bollnäs behöver cirka 6 000 MWh per år utöver flispannan. Vi tar emot "
          "värme från 60 °C direkt, eller lägre temperatur via värmepump.",
          temp="60", season="heating_season", km=10),
        L("want", "material", "Bark och flis till värmepannan", "bark", "5000", "t",
          "Vi köper bark och skogsflis, cirka 5 000 ton per år med leveranser oktober–april. "
          "Lossning i tippficka med plats för flisbil med släp.",
          composition="Fukthalt 40–55 %, inga stenar eller metall.", price="160", km=100),
    )),
    DemoFirm("norrala-mjolkgard", "Norrala Mjölkgård AB", "01.410", "Nils Björk", (
        S("Gården", "2182", "Norrala gårdsväg 14", "826 91", (0.028, -0.040)),
    ), (
        L("want", "material", "Kalkningsmedel: mesa eller kalkaska", "lime_mud", "300", "t",
          "Vi kalkar cirka 100 hektar per år och behöver 300 ton kalkningsmedel, gärna mesa från "
          "massaindustrin. Spridning sker på hösten med egen kalkspridare.",
          composition="Neutraliserande verkan ska anges; låg kadmiumhalt.", km=150),
        L("want", "material", "Drav till mjölkkor", "food_byproducts", "400", "t",
          "Vi söker blött drav eller andra proteinrika biprodukter till 150 mjölkkor, cirka 400 "
          "ton per år. Leverans varje vecka; vi ensilerar i plansilo.",
          composition="Torrsubstans minst 20 %, fritt från mögel och förpackningar.",
          price="120", km=80),
    )),
    DemoFirm("ljusnans-biogas", "Ljusnans Biogas AB", "35.210", "Camilla Dahl", (
        S("Biogasanläggningen", "2161", "Rötgasvägen 1", "827 32", (-0.010, 0.020),
          permit="Tillstånd för biologisk behandling av icke-farligt avfall."),
    ), (
        L("want", "material", "Livsmedelsrester till biogas", "food_byproducts", "3000", "t",
          "Vi tar emot förpackningsfria livsmedelsrester, drav och bageriavfall, cirka 3 000 ton "
          "per år. Mottagning i sluten hall med hygienisering.",
          composition="Pumpbart eller stapelbart, utan förpackningar och glas.",
          price="200", model="fee", km=200),
    )),
    DemoFirm("dellenbygdens-formsprutning", "Dellenbygdens Formsprutning AB", "22.290",
             "Viktor Strand", (
        S("Fabriken", "2184", "Plastvägen 8", "824 34", (0.005, -0.020)),
    ), (
        L("offer", "material", "Plastmald av PP och ABS", "plastics", "60", "t",
          "Sorterad mald från ingjutningskanaler och kassationer, cirka 60 ton per år. Levereras i "
          "storsäck om 600 kg och passar för nya formsprutade detaljer.",
          ewc="120105", composition="Sorterad per polymer och färg, 4–8 mm, torr.",
          price="3000", km=400),
    )),
)

DALARNA: tuple[DemoFirm, ...] = (
    DemoFirm("ornas-biobransle", "Ornäs Biobränsle AB", "16.291", "Erik Sandberg", (
        S("Pelletsfabriken", "2081", "Pelletsvägen 2", "784 34", (0.012, 0.018)),
    ), (
        L("want", "material", "Sågspån till pelletsproduktion", "sawdust", "20000", "t",
          "Vi köper sågspån av barrträ, upp till 20 000 ton per år, till pelletspressarna i "
          "Borlänge. Leverans med flisbil till vår mottagningsficka, vägning på egen våg.",
          composition="Fukthalt högst 55 %, barkhalt under 2 %, fritt från sand och metall.",
          price="200", km=200),
        L("want", "material", "Bark som torkbränsle", "bark", "3000", "t",
          "Till bandtorken söker vi bark eller grotflis, cirka 3 000 ton per år under "
          "eldningssäsongen. Mottagning vardagar 06–18.",
          composition="Fukthalt upp till 60 %, stycken under 150 mm.", km=120, draft=True),
    ), email="buyer@demo.example"),
    DemoFirm("barkens-stalverk", "Barkens Stålverk AB", "24.100", "Karin Holm", (
        S("Smältverket", "2061", "Stålverksvägen 1", "777 30", (0.003, 0.006)),
        S("Slagghanteringen", "2061", "Slaggvägen 4", "777 31", (-0.012, 0.020),
          permit="Tillstånd för mellanlagring och bearbetning av slagg och glödskal."),
    ), (
        L("offer", "material", "Ljusbågsugnsslagg för asfalt och vägbyggnad", "steel_slag",
          "25000", "t", "Svart slagg från ljusbågsugnen, cirka 25 000 ton per år, krossad och "
          "siktad. Lämplig som ballast i asfalt och i obundna bärlager; lakdata finns.",
          ewc="100202", composition="Fraktion 0–16 och 16–32 mm, ca 3,3 t/m³, fri CaO under 1 %.",
          price="25", km=150, site=1),
        L("offer", "material", "Glödskal från stränggjutning", "mill_scale", "1800", "t",
          "Glödskal från stränggjutning och valsning, cirka 1 800 ton per år, avvattnat i "
          "sedimenteringsbassäng. Passar som järnråvara i stål- eller cementindustri.",
          ewc="100210", composition="Ca 70 % Fe, olja under 0,5 %, fukthalt 5–8 %.",
          km=400, site=1),
        L("offer", "energy", "Restvärme från kylvatten, 22 000 MWh per år", "surplus_heat", "22000",
          "MWh", "Kylvatten från ugnar och stränggjutning ger cirka 22 000 MWh per år vid "
          "60–75 °C. Värmen levereras via värmeväxlare vid fabriksgränsen.",
          temp="70", season="all_year", km=20),
        L("offer", "material", "Spillolja från hydraulsystem", "chemicals", "12", "t",
          "Spillolja från hydraul- och växellådssystem, cirka 12 ton per år, i IBC-tankar i "
          "invallat förråd. Farligt avfall: mottagaren behöver tillstånd och transportdokument.",
          ewc="130205", composition="Mineralbaserad, ej klorerad, vattenhalt under 5 %.", km=300),
        L("want", "material", "Stålskrot och svarvspån till ljusbågsugnen", "ferrous_metal",
          "6000", "t", "Vi köper rena svarv- och frässpån av kolstål och låglegerat stål, upp till "
          "6 000 ton per år. Leverans i container eller på tippbil.",
          ewc="120101", composition="Oljehalt under 2 %, inget rostfritt eller icke-järn.",
          price="2200", km=250),
    )),
    DemoFirm("kolbacksadalens-asfalt", "Kolbäcksådalens Asfalt AB", "23.990", "Per Ekström", (
        S("Asfaltverket", "2085", "Asfaltvägen 7", "771 41", (-0.015, 0.022),
          permit="Anmälan för återvinning av avfall för anläggningsändamål."),
    ), (
        L("want", "material", "Ballast till asfaltverket, även stålslagg", "aggregates", "15000",
          "t", "Verket behöver cirka 15 000 ton ballast per år under säsongen april–oktober. "
          "Krossad stålslagg med dokumenterade lakegenskaper ersätter gärna krossberg.",
          composition="Fraktioner 0–4, 4–8 och 8–16 mm; Los Angeles-värde under 30.", km=80),
        L("offer", "material", "Returasfalt (fräsmassor)", "asphalt", "3000", "t",
          "Cirka 3 000 ton fräsmassor från beläggningsarbeten, lagrade på upplag vid verket. "
          "Passar för nytt slitlager eller som bärlager på grusvägar.",
          ewc="170302", composition="0–22 mm, bitumen ca 5 %, ej tjärhaltig (PAH-16 < 70 mg/kg).",
          recurrence="once", until=200, price="40", km=60),
    )),
    DemoFirm("runns-energi", "Runns Energi AB", "35.300", "Maria Nyberg", (
        S("Kraftvärmeverket", "2080", "Kraftvärmevägen 12", "791 36", (-0.010, -0.015),
          permit="Tillstånd att förbränna biobränsle och returträ."),
    ), (
        L("offer", "material", "Bottenaska från biobränslepannan", "bottom_ash", "4000", "t",
          "Bottenaska från rosterpannan som eldas med skogsflis och bark, cirka 4 000 ton per "
          "år. Askan lagras minst tre månader på asfalterad yta och passar för vägbyggnad.",
          ewc="100101", composition="Fukthalt ca 20 %, 0–50 mm, oförbränt under 3 %.",
          model="free", km=100),
        L("offer", "material", "Flygaska för askåterföring till skog", "fly_ash", "1500", "t",
          "Flygaska från ren trädbränsleeldning, cirka 1 500 ton per år. Askan kan härdas "
          "och granuleras för spridning i skog enligt Skogsstyrelsens rekommendationer.",
          ewc="100103", composition="Ca ca 20 %, K 3–5 %, kadmium under riktvärdet.",
          model="free", km=150),
        L("want", "material", "Bark och grot som bränsle", "bark", "20000", "t",
          "Kraftvärmeverket tar emot bark, grot och annat trädbränsle, cirka 20 000 ton per "
          "år med tyngdpunkt oktober–april. Vägning och fuktprovtagning vid mottagningen.",
          composition="Fukthalt upp till 55 %, stycken under 200 mm.", price="170", km=120),
    )),
    DemoFirm("dalalvens-gjuteri", "Dalälvens Gjuteri AB", "24.510", "Johan Berg", (
        S("Gjuteriet", "2084", "Gjuterigatan 9", "774 41", (0.006, -0.012)),
    ), (
        L("offer", "material", "Använd formsand från gråjärnsgjutning", "foundry_sand", "2500", "t",
          "Bentonitbunden formsand, cirka 2 500 ton per år, analyserad och bedömd som "
          "icke-farlig. Passar som fyllnadsmaterial eller i betongtillverkning.",
          ewc="100908", composition="Kvartssand med 6–8 % bentonit, 0,1–0,5 mm, fenol < 10 mg/kg.",
          model="free", km=120),
        L("offer", "material", "Ugnsslagg från induktionsugnar", "steel_slag", "300", "t",
          "Slagg från induktionsugnarna, cirka 300 ton per år, samlad i container. Kan "
          "användas som fyllnadsmassa efter krossning.",
          ewc="100903", composition="Kiselrik slagg, stycken upp till 200 mm.", km=100),
        L("want", "material", "Stålskrot och brikettade spån", "ferrous_metal", "800", "t",
          "Vi köper rent stålskrot och brikettade svarvspån till induktionsugnarna, cirka 800 "
          "ton per år. Leverans i container till gjuteriet i Avesta.",
          ewc="120101", composition="Olja under 1 %, låg halt av legeringsämnen.",
          price="2000", km=150),
    )),
    DemoFirm("tallbackens-livsmedel", "Tallbackens Livsmedel AB", "10.710", "Lena Persson", (
        S("Bageriet", "2031", "Tallbacksvägen 4", "795 32", (-0.004, 0.009)),
    ), (
        L("offer", "material", "Brödrester och kasserat mjöl", "food_byproducts", "120", "t",
          "Brödrester, felbakade produkter och utgånget mjöl, cirka 120 ton per år (2–3 ton "
          "i veckan). Lagras kylt i kärl och passar till foder eller biogas.",
          ewc="020304", composition="Torrsubstans ca 65 %, utan förpackningar.",
          model="free", km=150),
        L("offer", "material", "Wellpapp i balar", "paper_board", "40", "t",
          "Ren wellpapp från råvaruleveranser, cirka 40 ton per år, pressad i balar om 300 "
          "kg. Lagras inomhus och hämtas med lastbil med baklyft.",
          ewc="150101", composition="Torr, utan plast- eller matrester.", price="400", km=100),
    )),
    DemoFirm("orsasjons-snickeri", "Orsasjöns Snickeri AB", "16.230", "Olof Mattsson", (
        S("Snickerifabriken", "2034", "Snickarvägen 11", "794 32", (0.005, 0.014)),
    ), (
        L("offer", "material", "Träspill från snickeritillverkning", "wood_offcuts", "300", "t",
          "Kapbitar och spill av furu och björk från fönster- och trappsnickeri, cirka 300 "
          "ton per år. Lagras i container under tak; passar för flis, brasved eller småträ.",
          ewc="030105", composition="Fukthalt 8–12 %, obehandlat, enstaka limfogar.",
          model="free", km=80),
        L("offer", "material", "Torrt kutterspån", "sawdust", "1800", "m3",
          "Kutterspån från hyvlarna, cirka 1 800 m³ per år, blåst till silo och tappat i "
          "container eller storsäck. Passar som djurströ eller pelletsråvara.",
          ewc="030105", composition="Fukthalt 8–12 %, furu, siktat.", density="0.10",
          price="60", km=100),
    )),
    DemoFirm("siljansnas-pall", "Siljansnäs Pall & Emballage AB", "16.240", "Ingrid Hedlund", (
        S("Pallverkstaden", "2029", "Pallvägen 3", "793 36", (0.008, -0.016)),
    ), (
        L("want", "material", "Begagnade EUR-pallar och engångspallar", "wood_packaging", "20000",
          "pieces", "Vi köper begagnade träpallar för reparation och återbruk, cirka 20 000 st per "
          "år. Hela och trasiga pallar; vi hämtar vid minst 200 pallar.",
          ewc="150103", composition="EUR-pall och engångspall, utan kemikaliespill.",
          price="25", km=150),
        L("offer", "material", "Flis från kasserade pallar", "wood_packaging", "200", "t",
          "Pallar som inte kan repareras flisas på plats, cirka 200 ton per år. Flisen passar "
          "som bränsle i anläggningar med tillstånd för returträ.",
          ewc="150103", composition="Fukthalt 15–20 %, spik magnetavskild, under 50 mm.", km=80),
    )),
    DemoFirm("vasterdalalvens-akeri", "Västerdalälvens Åkeri AB", "49.410", "Gustav Nilsson", (
        S("Åkeriet", "2021", "Åkerivägen 2", "780 50", (-0.006, 0.013)),
    ), (
        L("offer", "capacity", "Returlaster med flisbil och containerbil", "transport", "200", "t",
          "Två flisbilar och en containerbil kör dagligen Vansbro–Borlänge–Falun och går "
          "ofta tomma tillbaka. Returlaster upp till 200 ton i veckan, även aska och spån.",
          recurrence="week", capacity="transport", price="45", km=300),
        L("offer", "capacity", "Hjullastare och mobil kross", "machine_time", "400", "hours",
          "Hjullastare (20 t) och mobil kross med sikt är lediga cirka 400 timmar per år, "
          "främst november–mars. Passar krossning av betong, slagg eller asfalt på upplag.",
          capacity="machine_time", price="1450", km=100),
    )),
)

VARMLAND: tuple[DemoFirm, ...] = (
    DemoFirm("vanerns-massabruk", "Vänerns Massabruk AB", "17.110", "Sven Olsson", (
        S("Massabruket", "1764", "Bruksvägen 1", "664 33", (-0.020, 0.012),
          permit="Tillstånd enligt miljöbalken för massatillverkning och deponi för "
          "bruksavfall."),
    ), (
        L("offer", "material", "Grönlutslam för sluttäckning", "green_liquor_sludge", "9000", "t",
          "Grönlutslam från kemikalieåtervinningen, cirka 9 000 ton per år, avvattnat i "
          "filter. Används som tätskikt vid sluttäckning av deponier eller för markstabilisering.",
          ewc="030302", composition="Torrsubstans 45–55 %, pH 10–11; analyser finns.",
          model="free", km=150, anonymous=True),
        L("offer", "material", "Mesa för jordbrukskalkning", "lime_mud", "3500", "t",
          "Mesa (kalkslam) från kausticeringen, cirka 3 500 ton per år. Fungerar som "
          "kalkningsmedel eller fyllmedel och kan hämtas året runt från vårt upplag.",
          ewc="030309", composition="CaCO₃ ca 90 %, torrsubstans 70–75 %.", price="20", km=150),
        L("offer", "material", "Fiberslam från vattenreningen", "fibre_sludge", "6000", "t",
          "Fiber- och fyllmedelsslam från den mekaniska reningen, cirka 6 000 ton per år. "
          "Passar för jordprodukter eller som bränsle efter inblandning.",
          ewc="030310", composition="Torrsubstans 35–40 %, fiber ca 60 %, resten kaolin och kalk.",
          km=100),
    )),
    DemoFirm("byalvens-pappersbruk", "Byälvens Pappersbruk AB", "17.120", "Helena Karlsson", (
        S("Pappersbruket", "1785", "Pappersbruksgatan 5", "661 40", (0.010, 0.008)),
    ), (
        L("offer", "material", "Fiber- och fyllmedelsslam", "fibre_sludge", "4500", "t",
          "Slam från pappersmaskinens fiberåtervinning, cirka 4 500 ton per år, avvattnat i "
          "skruvpress. Kan användas i jordprodukter, som täckmaterial eller i tegel.",
          ewc="030310", composition="Torrsubstans ca 40 %, askhalt 30–35 %, låga metallhalter.",
          model="free", km=120, anonymous=True),
        L("offer", "energy", "Restvärme från pappersmaskinen", "surplus_heat", "15000", "MWh",
          "Frånluft och bakvatten ger cirka 15 000 MWh per år vid 45–55 °C. Med värmepump "
          "kan värmen lyftas till fjärrvärmenätet som ligger 1,5 km bort.",
          temp="55", season="all_year", km=15),
    )),
    DemoFirm("lovasens-gard", "Lövåsens Gård AB", "01.410", "Anders Jonsson", (
        S("Lövåsens gård", "1766", "Lövåsvägen 21", "686 93", (0.025, 0.030)),
    ), (
        L("want", "material", "Kalk till åkermarken", "lime_mud", "200", "t",
          "Vi brukar 180 hektar åker och behöver cirka 200 ton kalkningsmedel per år, gärna "
          "mesa eller kalkrik aska. Leverans till fältkant augusti–oktober.",
          composition="Neutraliserande verkan ska anges; låg kadmiumhalt.", km=120),
        L("want", "material", "Drav eller brödrester till foder", "food_byproducts", "300", "t",
          "Vi söker drav, brödrester eller andra fodermedel till 120 mjölkkor, cirka 300 ton "
          "per år. Leverans en till två gånger i veckan; ensilering i plansilo.",
          composition="Foderkvalitet, utan förpackningar; analys av torrsubstans och protein.",
          price="150", km=120),
    )),
    DemoFirm("klaralvens-rivning", "Klarälvens Rivning AB", "43.110", "Mikael Andersson", (
        S("Återbruksgården", "1780", "Återbruksgatan 6", "653 41", (0.018, -0.025),
          permit="Tillstånd för krossning och mellanlagring av betong, tegel och gips."),
    ), (
        L("offer", "material", "Krossad betong från rivning", "concrete", "5000", "t",
          "Cirka 5 000 ton betong från rivningen av en industrilokal, krossad och siktad på "
          "plats. Materialet är miljöinventerat och passar som fyllnads- eller bärlagermaterial.",
          ewc="170101", composition="Fraktion 0–32 mm, armering utsorterad, PCB-fri.",
          recurrence="once", until=180, price="30", km=60),
        L("offer", "material", "Gipsskivor från ombyggnad", "gypsum", "180", "t",
          "Sorterade gipsskivor från invändig rivning, cirka 180 ton, i container under tak. "
          "Lämpliga för återvinning till nya gipsskivor.",
          ewc="170802", composition="Utan kakel och isolering; lite spik och skruv.",
          recurrence="once", until=120, model="free", km=200),
        L("offer", "material", "Rivningsvirke, sorterat", "wood_offcuts", "400", "t",
          "Reglar och plank från rivningen, cirka 400 ton, sorterade från målat och "
          "tryckimpregnerat virke. Passar för återbruk eller flisning.",
          ewc="170201", composition="Gran och furu, spik kvar i en del av virket.",
          recurrence="once", until=150, km=80, draft=True),
    )),
    DemoFirm("varnumsvikens-lager", "Varnumsvikens Lager & Logistik AB", "52.100",
             "Elin Magnusson", (
        S("Hamnlagret", "1781", "Terminalvägen 14", "681 33", (-0.010, -0.005)),
        S("Terminal Karlstad", "1780", "Godsvägen 9", "652 21", (0.012, 0.030)),
    ), (
        L("offer", "capacity", "Ledigt kallager, 1 200 m²", "storage", "1200", "m2",
          "1 200 m² kallager med 7 m takhöjd, två lastportar och truck. Passar för "
          "mellanlagring av råvaror, emballage eller säsongsvaror.",
          recurrence="month", capacity="storage", price="45", km=100),
        L("offer", "capacity", "400 pallplatser i tempererat lager", "storage", "400",
          "pallet_places", "400 pallplatser i ställage vid 15 °C, med in- och utleverans "
          "vardagar. Hantering ingår i priset per pallplats och månad.",
          recurrence="month", capacity="storage", price="95", km=100, site=1),
        L("offer", "capacity", "Returtransporter Kristinehamn–Karlstad", "transport", "60", "t",
          "Våra lastbilar pendlar dagligen mellan hamnen och terminalen i Karlstad och har "
          "plats för cirka 60 ton i veckan. Passar för pallat gods och storsäck.",
          recurrence="week", capacity="transport", price="55", km=100),
    )),
    DemoFirm("rojdafors-tra", "Röjdåfors Trä AB", "16.101", "Tomas Eriksson", (
        S("Sågen", "1737", "Sågvägen 2", "685 33", (0.008, 0.010)),
    ), (
        L("offer", "material", "Bark från furu och gran", "bark", "4000", "t",
          "Cirka 4 000 ton bark per år, lagrad i fack och lastad med hjullastare. Passar som "
          "bränsle i värmeverk eller i jordtillverkning.",
          ewc="030101", composition=_WOOD, price="120", km=150),
        L("offer", "material", "Sågspån, jämn kvalitet", "sawdust", "5000", "t",
          "Cirka 5 000 ton sågspån per år från klen furu. Spånet lagras under tak och lastas "
          "på flisbil.",
          ewc="030105", composition="Fukthalt ca 50 %, barkhalt under 1 %, fritt från sand.",
          price="200", km=250, anonymous=True),
    )),
    DemoFirm("eksharads-stro", "Ekshärads Strö & Spån AB", "16.291", "Karl Lundgren", (
        S("Strötillverkningen", "1783", "Strövägen 5", "683 34", (-0.007, 0.012)),
    ), (
        L("want", "material", "Kutterspån och torrt sågspån till djurströ", "sawdust", "3000", "t",
          "Vi tillverkar strö för häst och nötkreatur och behöver cirka 3 000 ton kutterspån "
          "eller torrt sågspån per år. Vi hämtar själva med containerbil.",
          composition="Fukthalt under 20 %, obehandlat barrträ.", price="250", km=200),
    )),
    DemoFirm("glafsfjordens-atervinning", "Glafsfjordens Återvinning AB", "38.220",
             "Sara Gustafsson", (
        S("Avfallsanläggningen", "1784", "Deponivägen 15", "671 34", (0.020, 0.028),
          hazardous=True, permit="Tillstånd för mellanlagring av farligt avfall (bl.a. spillolja, "
          "högst 50 ton) och deponi för icke-farligt avfall."),
    ), (
        L("want", "material", "Grönlutslam till sluttäckning av deponi", "green_liquor_sludge",
          "8000", "t", "Till sluttäckningen av deponin behöver vi cirka 8 000 ton grönlutslam "
          "eller annat finkornigt material för tätskiktet under de kommande två säsongerna.",
          composition="Hydraulisk konduktivitet efter packning högst 1·10⁻⁹ m/s.",
          recurrence="once", until=365, price="150", model="fee", km=150),
        L("want", "material", "Spillolja från verkstäder och industri", "chemicals", "50", "t",
          "Vi har tillstånd att mellanlagra farligt avfall och tar emot spillolja, upp till 50 "
          "ton per år. Hämtning med ADR-bil och transportdokument ingår.",
          ewc="130205", composition="Mineralbaserade oljor, ej klorerade, PCB-fria.", km=300),
        L("offer", "material", "Returträflis", "wood_offcuts", "2500", "t",
          "Flisat returträ från återvinningscentraler, cirka 2 500 ton per år. Passar som "
          "bränsle i anläggningar med tillstånd för avfallsförbränning.",
          ewc="191207", composition="Fukthalt 15–25 %, magnetavskiljd, under 80 mm.",
          price="90", km=150),
    )),
)
# fmt: on

FIRMS: tuple[DemoFirm, ...] = GAVLEBORG + DALARNA + VARMLAND


@dataclass(frozen=True)
class DemoDeal:
    """An exchange that already happened (or is under way): the receiver inquired on the offer
    from its want, the supplier answered, the receiver proposed, the supplier agreed."""

    supplier: str  # firm slug
    offer: str  # the start of the offer's title
    receiver: str  # firm slug
    want: str  # the start of the want's title
    inquiry: str
    answer: str
    quantity: str  # t, one lot
    price: str  # SEK per t the receiver pays ("0" with model "free")
    route: str  # what the exchange replaces: landfill, incineration, other
    deliveries: tuple[tuple[int, str], ...]  # (days ago, tonnes)
    model: str = "price"
    ratio: float = 1.0
    baseline_km: float = 0.0


# fmt: off
DEALS: tuple[DemoDeal, ...] = (
    DemoDeal("barkens-stalverk", "Ljusbågsugnsslagg", "kolbacksadalens-asfalt", "Ballast",
             "Vi kan ta 2 000 ton slagg till asfaltverket i vår. Hur är kornfördelningen?",
             "Krossad 0–32 mm och lagrad i tre månader. Prover och lakningstester finns.",
             "2000", "40", "landfill", ((75, "700"), (45, "700"), (20, "600")), baseline_km=25),
    DemoDeal("voxnadalens-sag", "Granbark", "runns-energi", "Bark och grot",
             "Vi behöver bark till pannan i vinter, ungefär 1 500 ton.",
             "Det går bra, vi lastar vardagar 06–22.",
             "1500", "120", "incineration", ((60, "500"), (35, "500"), (10, "500"))),
    DemoDeal("vanerns-massabruk", "Grönlutslam", "glafsfjordens-atervinning", "Grönlutslam",
             "Vi söker grönlutslam till sluttäckningen av deponin i Arvika, 1 000 ton i sommar.",
             "Vi kan leverera. Vi visar gärna analyserna när vi ses.",
             "1000", "0", "landfill", ((40, "500"), (25, "500")), model="free"),
    DemoDeal("vanerns-massabruk", "Mesa", "lovasens-gard", "Kalk till åkermarken",
             "Kan vi få 200 ton mesa till höstkalkningen?",
             "Ja, vi har analyser som visar kalkvärde och tungmetaller.",
             "200", "0", "landfill", ((30, "200"),), model="free", ratio=0.8),
    DemoDeal("wij-mekaniska", "Svarvspån av stål", "barkens-stalverk", "Stålskrot",
             "Vi tar era stålspån till ljusbågsugnen, 100 ton till att börja med.",
             "Bra, vi samlar spånet i container och ringer när den är full.",
             "100", "1800", "sold", ((12, "40"),)),
)


def owner_email(firm: DemoFirm) -> str:
    return firm.email or f"kontakt@{firm.slug}.demo.example"
